"""The emergency QR card: a signed, short-lived link to one person's emergency view.

The token is ``<payload>.<signature>``: the payload (base64url JSON) names the patient,
the card id and the expiry; the signature is ES384 with the server key of the auth module
(``kizuna.auth.keys``), so nobody can make or alter a card, and a card stops working at
its expiry. The QR code encodes ``<base URL>/emergency/card/<token>`` and is drawn as SVG.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson
import segno

from kizuna.auth.keys import ServerKeys, b64url, b64url_decode, verify_signature

CARD_HOURS = 24 * 30
VERSION = 1


@dataclass(frozen=True)
class Card:
    patient_id: str
    card_id: str
    expires_ms: int


def issue(
    keys: ServerKeys, patient_id: str, now_ms: int, hours: float = CARD_HOURS
) -> tuple[str, Card]:
    card = Card(patient_id, uuid.uuid4().hex[:16], now_ms + int(hours * 3_600_000))
    body = orjson.dumps(
        {"v": VERSION, "p": card.patient_id, "c": card.card_id, "e": card.expires_ms}
    )
    payload = b64url(body)
    return f"{payload}.{keys.sign(payload.encode('ascii'))}", card


def verify(keys: ServerKeys, token: str, now_ms: int) -> Card | None:
    """The card a token stands for, or None when it is forged, altered or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or len(token) > 1024:
        return None
    if not verify_signature(keys.public_key, payload.encode("ascii"), signature):
        return None
    try:
        body = orjson.loads(b64url_decode(payload))
    except (ValueError, orjson.JSONDecodeError):
        return None
    if body.get("v") != VERSION or not isinstance(body.get("e"), int) or body["e"] <= now_ms:
        return None
    return Card(str(body.get("p")), str(body.get("c")), int(body["e"]))


def qr_svg(url: str, label: str) -> str:
    """The QR code of ``url`` as inline SVG with an accessible title."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=4, border=2, dark="#000000", light="#ffffff", title=label, svgclass="qr"
    )
    return svg.replace("<svg ", '<svg role="img" aria-label="' + label.replace('"', "") + '" ', 1)
