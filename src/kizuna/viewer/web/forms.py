"""Reading the viewer's forms into the requests the services take."""

from __future__ import annotations

import unicodedata
from datetime import date

from kizuna.consent.categories import CATEGORIES
from kizuna.consent.service import ConsentRequest
from kizuna.fhir import jpcore
from kizuna.viewer.compose.careinfo import VITALS, CareContact, CareDevice, CareForm

MAX_ROWS = 6


def clean(value: str | None, limit: int = 500) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    return "".join(ch for ch in text if ch >= " " or ch == "\n")[:limit]


def valid_date(value: str) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def member_query(insurer: str, symbol: str, number: str, branch: str) -> str | None:
    """The ``identifier`` search value of an insurance card number, or None when incomplete."""
    parts = [
        unicodedata.normalize("NFKC", p).strip().replace(" ", "")
        for p in (insurer, symbol, number, branch)
    ]
    if not parts[0] or not parts[2] or not parts[3]:
        return None
    if parts[3].isdigit():
        parts[3] = parts[3].zfill(2)
    return f"{jpcore.INSURANCE_MEMBER_ID}|{':'.join(parts)}"


def consent_request(form: dict[str, str], categories: list[str]) -> ConsentRequest:
    scope = form.get("scope", "facility")
    facilities = tuple(
        c.strip()
        for c in clean(form.get("excluded_facilities")).split(",")
        if c.strip().isdigit() and len(c.strip()) == 10
    )
    start = valid_date(form.get("start", ""))
    end = valid_date(form.get("end", ""))
    return ConsentRequest(
        scope=scope,
        start=start,
        end=end,
        network=clean(form.get("network"), 100) or None,
        excluded_categories=tuple(c for c in categories if c in CATEGORIES),
        excluded_facilities=facilities,
    )


def care_form(form: dict[str, str]) -> CareForm:
    devices = tuple(
        CareDevice(
            clean(form.get(f"device_name_{i}"), 200),
            clean(form.get(f"device_settings_{i}")),
            clean(form.get(f"device_size_{i}"), 100),
        )
        for i in range(MAX_ROWS)
        if clean(form.get(f"device_name_{i}"))
    )
    contacts = tuple(
        CareContact(
            clean(form.get(f"contact_name_{i}"), 200),
            clean(form.get(f"contact_relationship_{i}"), 100),
            clean(form.get(f"contact_phone_{i}"), 40),
        )
        for i in range(MAX_ROWS)
        if clean(form.get(f"contact_name_{i}"))
    )
    vitals = {key: clean(form.get(f"vital_{key}"), 200) for key, _, _ in VITALS}
    return CareForm(
        devices,
        vitals,
        clean(form.get("seizure_plan"), 2000),
        clean(form.get("care_notes"), 2000),
        contacts,
    )
