"""Validating what the mappers produce, once per distinct content.

Sources repeat themselves. A receipt file names its facility, its doctor and the patient's
insurance in every receipt, and next month's receipt re-sends the same diagnoses; every
SS-MIX2 message names its facility, ward and doctor. In a synthetic population of 300
patients about 47% of the resources the receipt mapper produces, and 43% of the SS-MIX2
ones, are byte-identical to one produced before.

Validation depends only on a resource's content and the installed drug master, so content
that passed once passes again. :class:`CheckedContent` remembers the digests of content
that passed (per process, bounded) and does not check it twice. Content that fails is
never remembered: each failing resource is checked and quarantined with its own location.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from kizuna.codes.masters.store import get_masters
from kizuna.fhir.validate import check_resource
from kizuna.fhir.writes import text_hash_applies
from kizuna.ingest.base import PATIENT_REF

_PLACEHOLDER = orjson.dumps(PATIENT_REF)

#: digests remembered per process before the memory starts afresh (16 bytes each)
LIMIT = 200_000


class CheckedContent:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._passed: set[bytes] = set()
        self._masters: object = None

    def checked(
        self, resource: dict[str, Any], text: bytes, target: str, where: str
    ) -> tuple[dict[str, Any], str | None]:
        """``resource`` (``text`` is its ``orjson.dumps``) with the patient placeholder
        replaced by ``target`` (a byte substitution on the JSON: the placeholder is a URN
        no source can contain in any other meaning), validated, and its content hash
        (see :func:`~kizuna.fhir.writes.text_hash_applies`); raises
        :class:`~kizuna.fhir.outcome.FhirError`."""
        body = resource
        if target != PATIENT_REF and _PLACEHOLDER in text:
            text = text.replace(_PLACEHOLDER, orjson.dumps(target))
            body = orjson.loads(text)
        digest = hashlib.blake2b(text, digest_size=16).digest()
        self._follow_master()
        if digest not in self._passed:
            check_resource(body, where=where)
            if len(self._passed) >= self.limit:
                self._passed.clear()
            self._passed.add(digest)
        return body, (digest.hex() if text_hash_applies(body) else None)

    def _follow_master(self) -> None:
        """Forget everything when other masters are loaded (the JP checks read the drug
        master through them)."""
        masters = get_masters()
        if masters is not self._masters:
            self._passed.clear()
            self._masters = masters


#: the process's memory, shared by every pipeline in it
CHECKED = CheckedContent()
