"""Telling patients and guardians: a stored notification plus a delivery hook.

Every notification is first stored (the portal lists them); delivery then goes out by
webhook (``KIZUNA_NOTIFY_WEBHOOK``: a JSON POST) and/or e-mail (``KIZUNA_SMTP_HOST``,
``KIZUNA_NOTIFY_FROM``; the address comes from the patient's telecom). Delivery runs after
the transaction commits; failures are recorded on the row and retried by
:func:`deliver_pending`.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any

import httpx
import orjson

from kizuna.fhir.instant import now_ms
from kizuna.store.db import Database, Tx


def store(tx: Tx, patient_id: str, kind: str, body: dict[str, Any]) -> str:
    notification_id = uuid.uuid4().hex
    tx.execute(
        "INSERT INTO notifications (notification_id, patient_id, kind, created_ms, body) VALUES (?,?,?,?,?)",
        (notification_id, patient_id, kind, now_ms(), orjson.dumps(body).decode()),
    )
    return notification_id


def for_patients(
    db: Database, patient_ids: tuple[str, ...], limit: int = 50
) -> list[dict[str, Any]]:
    """Newest first; notifications of the same millisecond by id, so the limit is stable."""
    marks = ",".join("?" * len(patient_ids))
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT notification_id, kind, created_ms, body, delivered_ms, channel FROM notifications "
            f"WHERE patient_id IN ({marks}) ORDER BY created_ms DESC, notification_id DESC LIMIT ?",
            [*patient_ids, limit],
        )
    return [
        {
            "id": r[0],
            "kind": r[1],
            "created_ms": r[2],
            "body": orjson.loads(r[3]),
            "delivered_ms": r[4],
            "channel": r[5],
        }
        for r in rows
    ]


def _email_of(tx: Tx, patient_id: str) -> str | None:
    row = tx.fetchone(
        "SELECT content FROM resources WHERE res_type = 'Patient' AND res_id = ?", (patient_id,)
    )
    if row is None or not row[0]:
        return None
    for telecom in orjson.loads(row[0]).get("telecom", []):
        if telecom.get("system") == "email" and telecom.get("value"):
            return str(telecom["value"])
    return None


def _send_webhook(url: str, payload: dict[str, Any]) -> None:
    response = httpx.post(url, json=payload, timeout=10)
    response.raise_for_status()


def _send_email(host: str, sender: str, to: str, payload: dict[str, Any]) -> None:
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = payload.get("subject", "Kizuna")
    message.set_content(payload.get("text", ""))
    port = int(os.environ.get("KIZUNA_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)


def deliver(db: Database, notification_id: str) -> bool:
    """Try to deliver one stored notification; returns whether it went out."""
    with db.read() as tx:
        row = tx.fetchone(
            "SELECT patient_id, kind, body, delivered_ms FROM notifications WHERE notification_id = ?",
            (notification_id,),
        )
        if row is None or row[3] is not None:
            return False
        email = _email_of(tx, row[0])
    payload = {"id": notification_id, "patient": row[0], "kind": row[1], **orjson.loads(row[2])}
    channels: list[str] = []
    error = None
    try:
        if os.environ.get("KIZUNA_NOTIFY_WEBHOOK"):
            _send_webhook(os.environ["KIZUNA_NOTIFY_WEBHOOK"], payload)
            channels.append("webhook")
        host, sender = os.environ.get("KIZUNA_SMTP_HOST"), os.environ.get("KIZUNA_NOTIFY_FROM")
        if host and sender and email:
            _send_email(host, sender, email, payload)
            channels.append("email")
    except (httpx.HTTPError, OSError, smtplib.SMTPException) as exc:
        error = type(exc).__name__
    with db.transaction() as tx:
        if channels and error is None:
            tx.execute(
                "UPDATE notifications SET delivered_ms = ?, channel = ?, attempts = attempts + 1 "
                "WHERE notification_id = ?",
                (now_ms(), ",".join(channels), notification_id),
            )
        else:
            tx.execute(
                "UPDATE notifications SET attempts = attempts + 1, last_error = ? WHERE notification_id = ?",
                (error or "no delivery channel configured", notification_id),
            )
    return bool(channels) and error is None


def deliver_pending(db: Database, limit: int = 100) -> int:
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT notification_id FROM notifications WHERE delivered_ms IS NULL AND attempts < 10 "
            "ORDER BY created_ms, notification_id LIMIT ?",
            (limit,),
        )
    return sum(deliver(db, r[0]) for r in rows)
