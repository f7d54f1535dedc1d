"""The structural validator over every resource of the official R4 examples package.

The rejected files are listed with their faults in docs/fhir/validation.md; each is a
genuine fault in the published example (a missing required element, an id longer than
64 characters), not a validator gap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kizuna.fhir.validation import errors_only, validate

REJECTED = {
    "ImplementationGuide-fhir.json": {"ImplementationGuide.name", "ImplementationGuide.status"},
    "ig-r4.json": {"ImplementationGuide.name", "ImplementationGuide.status"},
    "Questionnaire-qs1.json": {"linkId"},
    "SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json": {
        "SearchParameter.id"
    },
    **{
        f"SearchParameter-{kind}-extensions-{base}-{code}.json": {"SearchParameter.base"}
        for kind, base in (("codesystem", "CodeSystem"), ("valueset", "ValueSet"))
        for code in ("author", "effective", "end", "keyword", "workflow")
    },
}


@pytest.mark.slow
def test_official_examples_rejections_are_the_documented_faults(r4_package: Path) -> None:
    total, rejected = 0, {}
    for path in sorted(r4_package.glob("*.json")):
        resource = json.loads(path.read_text())
        if "resourceType" not in resource:
            continue
        total += 1
        issues = errors_only(validate(resource))
        if issues:
            rejected[path.name] = {i.expression for i in issues}
    assert total == 5306
    assert len(rejected) / total < 0.02
    assert set(rejected) == set(REJECTED)
    for name, expected in REJECTED.items():
        assert all(any(e.endswith(x) for e in rejected[name]) for x in expected), name
