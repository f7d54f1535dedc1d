"""Mapper output is validated once per distinct content, and failures are never remembered."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kizuna.codes.masters.store import reset_masters
from kizuna.fhir.outcome import FhirError
from kizuna.fhir.writes import content_hash
from kizuna.ingest.base import PATIENT_REF
from kizuna.ingest.checked import CheckedContent


def _body(checked: CheckedContent, resource: dict[str, Any], where: str) -> dict[str, Any]:
    return checked.checked(resource, orjson.dumps(resource), "Patient/p9", where)[0]


def _condition(onset: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": PATIENT_REF},
        "code": {"text": "高血圧症"},
        "onsetDateTime": onset,
    }


def test_the_placeholder_becomes_the_patient_and_other_content_is_returned_as_it_is() -> None:
    checked = CheckedContent()
    body = _body(checked, _condition("2024-04-01"), "Unit.resources[0]")
    assert body["subject"] == {"reference": "Patient/p9"}
    assert body["code"] == {"text": "高血圧症"}
    unchanged = {"resourceType": "Organization", "id": "o1", "name": "木村医院"}
    assert _body(checked, unchanged, "Unit.resources[1]") is unchanged


def test_the_digest_returned_is_the_content_hash_of_the_body() -> None:
    condition = _condition("2024-04-01")
    body, digest = CheckedContent().checked(
        condition, orjson.dumps(condition), "Patient/p9", "Unit.resources[0]"
    )
    assert body["subject"] == {"reference": "Patient/p9"}
    assert digest == content_hash(body) != content_hash(condition)
    stamped = {**condition, "meta": {"lastUpdated": "2024-04-01T00:00:00Z"}}
    assert CheckedContent().checked(stamped, orjson.dumps(stamped), "Patient/p9", "x")[1] is None


def test_content_that_passed_does_not_vouch_for_other_content_under_the_same_id() -> None:
    checked = CheckedContent()
    _body(checked, _condition("2024-04-01"), "Unit.resources[0]")
    with pytest.raises(FhirError) as raised:
        _body(checked, _condition("2024-13-45"), "Unit.resources[3]")
    assert raised.value.problems[0].expression == "Unit.resources[3].onsetDateTime"


def test_a_failure_is_raised_again_with_each_location() -> None:
    checked = CheckedContent()
    for place in ("Unit.resources[0]", "Unit.resources[7]"):
        with pytest.raises(FhirError) as raised:
            _body(checked, _condition("yesterday"), place)
        assert raised.value.problems[0].expression == f"{place}.onsetDateTime"
    assert not checked._passed


def test_the_memory_is_bounded() -> None:
    checked = CheckedContent(limit=3)
    sizes = []
    for day in range(1, 8):
        _body(checked, _condition(f"2024-04-0{day}"), "Unit.resources[0]")
        sizes.append(len(checked._passed))
    assert sizes == [1, 2, 3, 1, 2, 3, 1]  # starts afresh when full


def test_loading_other_masters_forgets_what_passed() -> None:
    checked = CheckedContent()
    _body(checked, _condition("2024-04-01"), "Unit.resources[0]")
    assert len(checked._passed) == 1
    reset_masters()
    _body(checked, _condition("2024-04-02"), "Unit.resources[0]")
    assert len(checked._passed) == 1
