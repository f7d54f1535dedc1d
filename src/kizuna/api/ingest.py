"""The push endpoint: facility systems POST messages, files and bundles.

``POST /ingest/{format}`` with the raw payload as the body (``ssmix2`` HL7 v2 message,
``uke`` receipt file, ``jahis-tc`` お薬手帳 CSV, ``jahis-rx`` prescription QR text,
``checkup`` CDA XML, ``fhir`` document or bundle). The answer says what was stored: an HL7
ACK for v2 messages, an OperationOutcome otherwise. Each unit is stored in its own
transaction; a bad unit is quarantined and named in the answer while the rest goes in.
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kizuna.api import responses
from kizuna.api.body import read_bytes
from kizuna.api.context import services
from kizuna.api.security import reader_of, require
from kizuna.auth.roles import Permission
from kizuna.fhir.instant import JAPAN
from kizuna.fhir.outcome import Problem, bad_request
from kizuna.ingest.pipeline import FormatReport, Pipeline

router = APIRouter(prefix="/ingest", tags=["ingestion"])

SUFFIX = {
    "ssmix2": ".hl7",
    "uke": ".UKE",
    "jahis-tc": ".csv",
    "jahis-rx": ".txt",
    "checkup": ".xml",
    "fhir": ".json",
}
HL7_TYPES = ("x-application/hl7-v2+er7", "application/hl7-v2", "text/plain")


def _ingest(
    svc: Any, fmt: str, data: bytes, name: str, facility: str | None
) -> tuple[FormatReport, Pipeline]:
    pipeline = Pipeline(svc.db, facility_code=facility)
    adapter = next(a for a in pipeline.adapters if a.name == fmt)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        pipeline.ingest_items(adapter, adapter.read(path))
    return pipeline.report(fmt), pipeline


def _control_id(data: bytes) -> str:
    first = data.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r", 1)[0]
    fields = first.split(b"|")
    return fields[9].decode("ascii", "replace")[:50] if len(fields) > 9 else ""


def hl7_ack(data: bytes, report: FormatReport) -> bytes:
    """An HL7 v2.5 ACK: AA when stored, AE when quarantined (with the reason).

    Its own control id (MSH-10) is random, not the time: two ACKs sent in the same second
    are two messages, and MSH-10 is what tells them apart. Its time (MSH-7) carries no
    offset and is Japan time, as every HL7 time without an offset is read, whatever time
    zone the server's clock is set to."""
    now = datetime.now(JAPAN).strftime("%Y%m%d%H%M%S")
    control_id = uuid.uuid4().hex[:20]  # MSH-10 is at most 20 characters
    code = "AA" if report.quarantined == 0 else "AE"
    text = (
        "stored"
        if code == "AA"
        else (report.failure_texts[0] if report.failure_texts else "rejected")
    )
    text = text.replace("|", "/").replace("^", " ").replace("\r", " ")[:200]
    segments = [
        f"MSH|^~\\&|KIZUNA|KIZUNA|||{now}||ACK|{control_id}|P|2.5",
        f"MSA|{code}|{_control_id(data)}|{text}",
    ]
    return ("\r".join(segments) + "\r").encode()


def _outcome(report: FormatReport) -> dict[str, Any]:
    summary = (
        f"{report.units} unit(s): {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.deleted} deleted, {report.skipped} already stored, "
        f"{report.quarantined} quarantined, {report.warnings} warning(s)"
    )
    problems = [Problem("informational", summary, severity="information")]
    problems += [Problem("processing", text) for text in report.failure_texts[:50]]
    problems += [
        Problem("business-rule", text, severity="warning") for text in report.warning_texts[:50]
    ]
    return {"resourceType": "OperationOutcome", "issue": [p.as_issue() for p in problems]}


@router.post("/{fmt}")
async def push(request: Request, fmt: str) -> Response:
    svc = services(request)
    reader = reader_of(request)
    require(reader.principal, Permission.SUBMIT_DATA)
    if fmt not in SUFFIX:
        raise bad_request(f"unknown format {fmt[:20]!r}; use one of {', '.join(SUFFIX)}", "format")
    data = await read_bytes(request, svc.settings.max_body_bytes)
    if not data:
        raise bad_request("the body is empty", "body")
    name = Path(request.query_params.get("filename") or f"pushed{SUFFIX[fmt]}").name
    facility = request.query_params.get("facility")
    report, _ = await svc.run(_ingest, svc, fmt, data, name, facility)
    reader.note_write("submit", fmt, name, None)
    if fmt == "ssmix2":
        return Response(hl7_ack(data, report), media_type="x-application/hl7-v2+er7")
    stored = report.units - report.quarantined
    status = 422 if report.quarantined and stored <= 0 else 200  # nothing stored at all
    return responses.json(_outcome(report), status)
