"""``kizuna serve`` in its own process on a free loopback port, for the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

KIZUNA = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "kizuna")


class Server:
    def __init__(self, url: str, data_dir: Path, workers: int, **settings: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        env = {
            **os.environ,
            "KIZUNA_DATABASE_URL": url,
            "KIZUNA_DATA_DIR": str(data_dir),
            **settings,
        }
        self.proc = subprocess.Popen(
            [KIZUNA, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/fhir/metadata", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("kizuna serve did not start within 60 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
