"""Deterministic link keys of a Patient: the national insurance member id and local ids.

Member ids are compared in a normal form (NFKC, no spaces, insurer number zero-padded to 8
digits), so that ``00012345:あいう:１８７:05`` from a JP-CLINS document and
``00012345:あいう:187:05`` from a receipt are the same person.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from kizuna.fhir import jpcore
from kizuna.textnorm import normalize

#: Identifier systems of facility-local patient ids: JP Core's roots (followed by the
#: facility code) and Kizuna's own source-scoped ids for sources that carry no patient id.
SOURCE_PATIENT_ROOT = "urn:kizuna:source-patient:"
LOCAL_PREFIXES = (
    jpcore.LOCAL_PATIENT_ID_ROOT,
    "urn:oid:1.2.392.200119.6.51",
    "urn:oid:1.2.392.200119.6.102.1",
    SOURCE_PATIENT_ROOT,
)


def _member_parts(value: str) -> tuple[str, str, str, str] | None:
    """(insurer, symbol, number, branch) in NFKC without spaces, branch two digits; None
    unless the insurer number, the number and the branch (枝番) are all there."""
    parts = ["".join(unicodedata.normalize("NFKC", p).split()) for p in value.split(":")]
    if len(parts) != 4 or not all(parts[i] for i in (0, 2, 3)):
        return None
    insurer, symbol, number, branch = parts
    if not insurer.isascii() or not insurer.isdigit() or not branch.isascii():
        return None
    if not branch.isdigit() or len(branch) > 2:
        return None
    return insurer, symbol, number, branch.zfill(2)


def member_key(value: str) -> str | None:
    """The normal form of ``保険者番号:記号:番号:枝番``; None if it is not one.

    Never without 枝番: before 2021 a household shared 記号・番号.
    """
    parts = _member_parts(value)
    if parts is None:
        return None
    insurer, symbol, number, branch = parts
    return f"ins:{insurer.zfill(8)}:{symbol}:{number}:{branch}"


def canonical_member_value(value: str) -> str | None:
    """The member id as it should be stored (ASCII digits, no spaces, 2-digit 枝番)."""
    parts = _member_parts(value)
    return ":".join(parts) if parts else None


def local_key(system: str, value: str) -> str | None:
    """A facility-local patient id (system names the facility)."""
    if not system.startswith(LOCAL_PREFIXES) or not value:
        return None
    return f"loc:{system}|{unicodedata.normalize('NFKC', value).strip()}"


def link_keys(patient: dict[str, Any]) -> list[str]:
    """Every deterministic key the candidate carries, member ids first."""
    members: list[str] = []
    locals_: list[str] = []
    for identifier in patient.get("identifier") or []:
        system, value = identifier.get("system") or "", identifier.get("value") or ""
        if system == jpcore.INSURANCE_MEMBER_ID:
            key = member_key(value)
            if key:
                members.append(key)
        else:
            key = local_key(system, value)
            if key:
                locals_.append(key)
    return list(dict.fromkeys(bounded(k) for k in members + locals_))


#: link keys longer than this are stored as a prefix and a digest (see :func:`bounded`)
MAX_KEY_LENGTH = 200


def bounded(key: str) -> str:
    """``key``, or, when longer than :data:`MAX_KEY_LENGTH`, its first 64 characters and a
    digest of the whole. Real ids are short; a source that sends an id of kilobytes still
    links on it (equal ids give equal keys) without a key too long for the index."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{key[:64]}#{digest}"


def source_patient_identifier(candidate: dict[str, Any], scope: str) -> dict[str, str] | None:
    """A stable id for a patient from a source that carries no patient id (お薬手帳, a
    hospital whose facility code is unknown): a digest of the normalised names, birth date
    and sex, scoped to the source (format and facility). None without name and birth date.
    """
    names = sorted(
        normalize(name.get("text") or " ".join([name.get("family", ""), *name.get("given", [])]))
        for name in candidate.get("name") or []
    )
    birth = candidate.get("birthDate")
    if not names or not birth:
        return None
    text = "|".join([*names, str(birth), str(candidate.get("gender", ""))])
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return {"system": f"{SOURCE_PATIENT_ROOT}{scope}", "value": digest}
