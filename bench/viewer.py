"""The viewer benchmark: summary and emergency pages under concurrent load.

    python bench/viewer.py --backend sqlite
    python bench/viewer.py --backend postgresql   # KIZUNA_BENCH_PG_URL, default the CI server

The person: the showcase patient (tests/viewer/showcase.py) with ``--years`` (10) of data
from the SS-MIX2 hospital, the receipt clinic, the お薬手帳 pharmacy and ``--clinics`` (3)
more clinics, all ingested by the real pipeline. A physician with consent and a responder
with an emergency grant, both logged in with password and TOTP, then fetch the summary and
the emergency page from C concurrent client threads (``--concurrency 1 8 32``) for
``--seconds`` each, against ``kizuna serve --workers`` (2) in its own process: first with
the chart cache off (every request builds the chart, as on a first visit), then on.
Reported per page and level: client latency p50/p95/p99, the server
time of the page (its ``Server-Timing`` header: fetch, compose, render) p50/p95/p99, and
throughput. Results go to bench/out/viewer-<backend>.json and are printed as a table.
Traffic stays on 127.0.0.1; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.served import Server  # noqa: E402
from tests.viewer.conftest import make_accounts, totp_now  # noqa: E402
from tests.viewer.showcase import build  # noqa: E402

from kizuna.store.db import Database  # noqa: E402
from kizuna.store.migrate import upgrade  # noqa: E402

PG_URL = os.environ.get("KIZUNA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _database(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", None
    import psycopg

    schema = f"kz_viewer_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


def _login(base: str, account: Any) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.post("/login", data={"username": account.username, "password": account.password})
    response = client.post("/login/totp", data={"code": totp_now(account.totp_secret)})
    assert response.status_code == 303, response.text[:200]
    return client


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": round(pick(0.50), 1), "p95": round(pick(0.95), 1), "p99": round(pick(0.99), 1)}


def _load(clients: list[httpx.Client], path: str, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    server: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(client: httpx.Client) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            timing = response.headers.get("server-timing", "")
            with lock:
                if response.status_code != 200:
                    errors[0] += 1
                    continue
                latencies.append(elapsed)
                if "dur=" in timing:
                    server.append(float(timing.split("dur=")[1]))

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begun
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "throughput_rps": round(len(latencies) / wall, 1),
        "latency_ms": _percentiles(latencies),
        "server_ms": _percentiles(server),
        "server_mean_ms": round(statistics.fmean(server), 1) if server else 0.0,
    }


def run(
    backend: str, years: int, clinics: int, levels: list[int], seconds: float, workers: int
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="kizuna-viewer-bench-"))
    url, drop = _database(backend, tmp)
    try:
        upgrade(url)
        db = Database(url)
        started = time.perf_counter()
        show = build(db, tmp / "sources", years=years, extra_clinics=clinics)
        with db.read() as tx:
            rows = tx.fetchall("SELECT COUNT(*) FROM resources WHERE patient_key IS NOT NULL")
        built = time.perf_counter() - started
        accounts = make_accounts(db, tmp / "var", show.patient_id)
        result: dict[str, Any] = {
            "backend": backend,
            "years": years,
            "workers": workers,
            "facilities": 3 + clinics,
            "resources": rows[0][0],
            "build_seconds": round(built, 1),
            "levels": {},
        }
        pages = {
            "summary": f"/viewer/patients/{show.patient_id}",
            "emergency": f"/emergency/{show.patient_id}",
        }
        for mode in ("cold", "cached"):
            # cold: every request builds the chart (a first visit); cached: a chart of the
            # same visibility and data version is reused (the page opened again).
            server = Server(
                url, tmp / "var", workers, KIZUNA_VIEWER_CHART_CACHE="0" if mode == "cold" else "64"
            )
            try:
                doctor = _login(server.url, accounts["physician"])
                consent = doctor.post(
                    f"/viewer/patients/{show.patient_id}/consent", data={"scope": "facility"}
                )
                assert consent.status_code == 303
                responder = _login(server.url, accounts["emergency"])
                declared = responder.post(
                    f"/viewer/patients/{show.patient_id}/emergency",
                    data={"reason": "benchmark: emergency page load"},
                )
                assert declared.status_code == 303
                for level in levels:
                    for page, path in pages.items():
                        base = doctor if page == "summary" else responder
                        clients = [base] + [_clone(base, server.url) for _ in range(level - 1)]
                        for client in clients:
                            client.get(path)  # warm up every worker and connection
                        result["levels"][f"{page}@{level} {mode}"] = _load(clients, path, seconds)
            finally:
                server.stop()
        db.close()
        return result
    finally:
        if drop:
            drop()


def _clone(client: httpx.Client, base: str) -> httpx.Client:
    twin = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    twin.cookies.update(client.cookies)
    return twin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--clinics", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2, help="kizuna serve --workers")
    args = parser.parse_args()
    result = run(
        args.backend, args.years, args.clinics, args.concurrency, args.seconds, args.workers
    )
    out = ROOT / "bench" / "out" / f"viewer-{args.backend}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(
        f"{args.backend}: {result['resources']} resources, {result['facilities']} facilities, "
        f"{result['years']} years"
    )
    print(
        f"{'page@clients mode':<24}{'rps':>8}{'lat p50':>9}{'p95':>8}{'p99':>8}"
        f"{'srv p50':>9}{'p95':>8}{'p99':>8}{'err':>5}"
    )
    for key, row in result["levels"].items():
        lat, srv = row["latency_ms"], row["server_ms"]
        print(
            f"{key:<24}{row['throughput_rps']:>8}{lat['p50']:>9}{lat['p95']:>8}{lat['p99']:>8}"
            f"{srv['p50']:>9}{srv['p95']:>8}{srv['p99']:>8}{row['errors']:>5}"
        )


if __name__ == "__main__":
    main()
