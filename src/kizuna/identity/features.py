"""What the matcher knows about a Patient: folded names, birth date, sex, addresses, phones.

A :class:`Features` is computed once per stored Patient (on ingest, from the merged
resource) and kept as JSON in ``identity_features``, so that comparing two patients never
re-parses FHIR.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import orjson

from kizuna.identity.names import patient_names
from kizuna.textnorm import normalize

_PREFECTURE = r"(?:東京都|北海道|京都府|大阪府|[^\d\s都道府県]{2,3}県)"
_CITY = re.compile(rf"^(?P<pref>{_PREFECTURE})?(?P<city>(?:[^\d\s]+?郡)?[^\d\s]+?[市区町村])")
_POSTAL_IN_TEXT = re.compile(r"〒?\s*(\d{3})-?(\d{4})")
_DASHES = re.compile(r"[‐‑‒–—―−ｰー－]")
_BLOCK_WORDS = re.compile(r"丁目|番地|番|号|(?<=\d)の(?=\d)")
_SEX = {"male": "m", "female": "f"}


@dataclass(frozen=True, slots=True)
class Address:
    line: str  # the whole address, normalised
    postal: str  # 7 digits or ""
    city: str  # prefecture + city (市区町村), or ""


@dataclass(frozen=True, slots=True)
class Features:
    family_kanji: tuple[str, ...] = ()
    given_kanji: tuple[str, ...] = ()
    family_kana: tuple[str, ...] = ()
    given_kana: tuple[str, ...] = ()
    birth: str = ""  # YYYY-MM-DD, or "" when unknown or partial
    sex: str = ""  # "m", "f" or ""
    addresses: tuple[Address, ...] = ()
    phones: tuple[str, ...] = ()
    full_kanji: tuple[str, ...] = ()  # names a source gave without a family/given split
    full_kana: tuple[str, ...] = ()

    def dumps(self) -> str:
        body = [
            self.family_kanji,
            self.given_kanji,
            self.family_kana,
            self.given_kana,
            self.birth,
            self.sex,
            [[a.line, a.postal, a.city] for a in self.addresses],
            self.phones,
            self.full_kanji,
            self.full_kana,
        ]
        return orjson.dumps(body).decode()

    @classmethod
    def loads(cls, text: str | bytes) -> Features:
        fk, gk, fy, gy, birth, sex, addresses, phones, xk, xy = orjson.loads(text)
        return cls(
            tuple(fk),
            tuple(gk),
            tuple(fy),
            tuple(gy),
            birth,
            sex,
            tuple(Address(*a) for a in addresses),
            tuple(phones),
            tuple(xk),
            tuple(xy),
        )


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def postal_code(text: str) -> str:
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
    return digits if len(digits) == 7 else ""


def address_line(text: str) -> str:
    """The address in a comparable form: NFKC, no spaces, 1丁目2番3号 as 1-2-3."""
    folded = _POSTAL_IN_TEXT.sub("", normalize(text), count=1) if "〒" in text else normalize(text)
    folded = _BLOCK_WORDS.sub("-", _DASHES.sub("-", folded))
    return re.sub(r"-+", "-", folded).strip("-")


def city_of(text: str) -> str:
    match = _CITY.match(unicodedata.normalize("NFKC", "".join(text.split())))
    return match.group(0) if match else ""


def address_of(address: dict[str, Any]) -> Address | None:
    parts = [address.get(k) or "" for k in ("state", "city")]
    line = " ".join(address.get("line") or [])
    text = address.get("text") or "".join([*parts, line])
    postal = postal_code(address.get("postalCode") or "")
    if not postal and (found := _POSTAL_IN_TEXT.search(unicodedata.normalize("NFKC", text))):
        postal = found.group(1) + found.group(2)
    body = _POSTAL_IN_TEXT.sub("", unicodedata.normalize("NFKC", text)).strip()
    city = city_of(body) or normalize("".join(parts))
    result = Address(address_line(body), postal, city)
    return result if (result.line or result.postal) else None


def phone_number(value: str) -> str:
    """Digits only, +81 written as a leading 0; "" unless it looks like a phone number."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())
    if digits.startswith("81") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if 10 <= len(digits) <= 11 else ""


def birth_date(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" else ""


def features_of(patient: dict[str, Any]) -> Features:
    names = patient_names(patient)
    kanji = [n for n in names if n.script == "kanji" and n.given]
    kana = [n for n in names if n.script == "kana" and n.given]
    unsplit = [n for n in names if not n.given]
    addresses = (address_of(a) for a in patient.get("address") or [] if isinstance(a, dict))
    phones = (
        phone_number(t.get("value") or "")
        for t in patient.get("telecom") or []
        if isinstance(t, dict) and t.get("system") in (None, "phone", "sms")
    )
    return Features(
        family_kanji=_unique([n.family for n in kanji]),
        given_kanji=_unique([n.given for n in kanji]),
        family_kana=_unique([n.family for n in kana]),
        given_kana=_unique([n.given for n in kana]),
        birth=birth_date(patient.get("birthDate")),
        sex=_SEX.get(patient.get("gender") or "", ""),
        addresses=tuple(dict.fromkeys(a for a in addresses if a is not None)),
        phones=_unique(list(phones)),
        full_kanji=_unique([n.family for n in unsplit if n.script == "kanji"]),
        full_kana=_unique([n.family for n in unsplit if n.script == "kana"]),
    )
