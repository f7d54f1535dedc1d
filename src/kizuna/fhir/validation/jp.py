"""Japanese rules: JP identifier systems and the JP-CLINS eCS profile checks.

Identifiers (checked wherever they appear, references and extensions included):

- 被保険者個人識別子 (``JP_Insurance_memberID``): ``保険者番号:記号:番号:枝番`` with a 6- or
  8-digit insurer number and a 2-digit branch; malformed is an error, a failing insurer
  check digit a warning.
- 医療機関コード (facility code) systems, including the facility-scoped OID roots of
  patient and practitioner ids: 10 digits, else an error; a failing check digit (or
  prefecture/table) is a warning, since JP-CLINS's own examples use the placeholder
  1318814790.
- 保険者番号 (insurer number): 6 or 8 digits, else an error; check digit -> warning.

Profiles (resources whose ``meta.profile`` names a JP-CLINS eCS profile):

- ``JP_Observation_LabResult_eCS``: ``code.coding`` needs a local-code coding.
- ``JP_MedicationRequest_eCS``: ``medicationCodeableConcept`` needs a YJ, general-order
  (一般名処方), レセ電 or "no standard code" coding (rule R3010 as published with the
  JP-CLINS examples: a HOT code alone is not enough; ``accept_hot=True`` follows later
  JP-CLINS versions that accept HOT9/HOT7), and a general-order code must name the
  same ingredient as its display text when the drug master knows that ingredient.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import cache
from typing import Any

import orjson

from kizuna.codes.checkdigit import facility_code_valid, insurer_number_valid
from kizuna.fhir import jpcore
from kizuna.fhir.validation.drugs import DrugLookup, NoDrugMaster
from kizuna.fhir.validation.issues import Issue, error, warning

LAB_LOCAL_CODE = "http://jpfhir.jp/fhir/clins/CodeSystem/JP_CLINS_ObsLabResult_LocalCode_CS"
NO_STANDARD_CODE = "http://jpfhir.jp/fhir/eCS/CodeSystem/MedicationCodeNocoded_CS"
GENERAL_ORDER_SYSTEMS = frozenset({jpcore.GENERAL_ORDER_CODE, "urn:oid:1.2.392.100495.20.1.81"})
YJ_SYSTEMS = frozenset({jpcore.YJ_CODE, jpcore.YJ_CODE_URI})
RECEIPT_DRUG_SYSTEMS = frozenset({jpcore.RECEIPT_DRUG_CODE})
HOT_SYSTEMS = frozenset(
    {
        jpcore.HOT7,
        jpcore.HOT9,
        jpcore.HOT13,
        jpcore.HOT9_URI,
        "http://medis.or.jp/CodeSystem/master-HOT7",
        "http://medis.or.jp/CodeSystem/master-HOT13",
    }
)
STANDARD_DRUG_SYSTEMS = YJ_SYSTEMS | GENERAL_ORDER_SYSTEMS | RECEIPT_DRUG_SYSTEMS
FACILITY_OID_ROOTS = (jpcore.LOCAL_PATIENT_ID_ROOT, "urn:oid:1.2.392.100495.20.3.41.1")
MAX_SCAN_DEPTH = 64  # deeper content is reported by the structural validator
JP_IDENTIFIER_SYSTEMS = frozenset(
    {jpcore.INSURANCE_MEMBER_ID, jpcore.FACILITY_CODE, jpcore.INSURER_NUMBER}
)
LAB_RESULT_PROFILES = frozenset({"JP_Observation_LabResult_eCS"})
MEDICATION_PROFILES = frozenset({"JP_MedicationRequest_eCS", "JP_MedicationRequest_CLINS_eCS"})


def validate_jp(
    resource: dict[str, Any], drugs: DrugLookup | None = None, *, accept_hot: bool = False
) -> list[Issue]:
    """JP identifier and JP-CLINS profile issues of ``resource`` (and what it contains)."""
    if type(resource) is not dict:
        return []
    lookup = drugs if drugs is not None else NoDrugMaster()
    issues: list[Issue] = []
    root = resource.get("resourceType") if isinstance(resource.get("resourceType"), str) else ""
    for where, identifier in _identifiers(resource, str(root or "Resource")):
        _check_identifier(identifier, where, issues)
    for where, item in _resources(resource, str(root or "Resource")):
        profiles = _profile_names(item)
        if profiles & LAB_RESULT_PROFILES:
            _check_lab_result(item, where, issues)
        if profiles & MEDICATION_PROFILES:
            _check_medication(item, where, lookup, accept_hot, issues)
    return issues


def _identifiers(value: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every identifier with a JP system, with its location.

    Most resources have none: a byte search of the serialised resource for the JP systems
    rules them out in microseconds; otherwise a first pass without locations confirms, and
    the pass that builds location strings runs only when there is something to report.
    """
    try:
        text = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # not JSON-serialisable: walk it instead
        text = None
    if text is not None and not _mentions_jp_system(text):
        return
    if not (_is_jp_identifier(value) or _has_jp_identifier(value)):
        return
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if type(node) is dict:
            if _is_jp_identifier(node):
                yield where, node
            children = [(f"{where}.{k}", c) for k, c in node.items() if type(c) in (dict, list)]
            stack.extend(reversed(children))
        elif type(node) is list:
            stack.extend(reversed([(f"{where}[{i}]", c) for i, c in enumerate(node)]))


def _mentions_jp_system(text: bytes) -> bool:
    """Whether the serialised resource contains a JP identifier system. Each search reads
    the whole text, so the two common prefixes rule most resources out first."""
    if not any(prefix in text for prefix in _marker_prefixes()):
        return False
    return any(marker in text for marker in _markers())


@cache
def _markers() -> tuple[bytes, ...]:
    return tuple(s.encode() for s in (*JP_IDENTIFIER_SYSTEMS, *FACILITY_OID_ROOTS))


@cache
def _marker_prefixes() -> tuple[bytes, ...]:
    """The longest common prefix of the JP systems and that of the facility OID roots."""
    groups = (JP_IDENTIFIER_SYSTEMS, FACILITY_OID_ROOTS)
    prefixes = tuple(_common_prefix(group).encode() for group in groups)
    assert all(prefixes), "each group of markers shares a prefix"
    return prefixes


def _common_prefix(texts: Collection[str]) -> str:
    first, last = min(texts), max(texts)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def _has_jp_identifier(node: dict[str, Any], depth: int = 0) -> bool:
    if depth > MAX_SCAN_DEPTH:
        return False
    for child in node.values():
        kind = type(child)
        if kind is dict:
            if _is_jp_identifier(child) or _has_jp_identifier(child, depth + 1):
                return True
        elif kind is list:
            for item in child:
                if type(item) is dict and (
                    _is_jp_identifier(item) or _has_jp_identifier(item, depth + 1)
                ):
                    return True
    return False


def _is_jp_identifier(node: dict[str, Any]) -> bool:
    system = node.get("system")
    if type(system) is not str or type(node.get("value")) is not str:
        return False
    return system in JP_IDENTIFIER_SYSTEMS or system.startswith(FACILITY_OID_ROOTS)


def _check_identifier(identifier: dict[str, Any], where: str, issues: list[Issue]) -> None:
    system, value = identifier["system"], identifier["value"]
    if system == jpcore.INSURANCE_MEMBER_ID:
        _check_member_id(value, where, issues)
    elif system == jpcore.FACILITY_CODE:
        _check_facility_code(value, f"{where}.value", issues)
    elif system == jpcore.INSURER_NUMBER:
        _check_insurer(value, f"{where}.value", issues)
    else:
        for root in FACILITY_OID_ROOTS:
            if system.startswith(root):
                _check_facility_code(system[len(root) :], f"{where}.system", issues)


def _check_member_id(value: str, where: str, issues: list[Issue]) -> None:
    parts = value.split(":")
    if (
        len(parts) != 4
        or not parts[2]
        or not _digits(parts[3], (2,))
        or not _digits(parts[0], (6, 8))
    ):
        issues.append(
            error(
                "value",
                f"{where}.value",
                "insurance member id must be insurer(6 or 8 digits):symbol:number:branch(2 digits)",
            )
        )
        return
    if not insurer_number_valid(parts[0]):
        issues.append(
            warning("value", f"{where}.value", f"insurer number {parts[0]} fails its check digit")
        )


def _check_facility_code(code: str, where: str, issues: list[Issue]) -> None:
    if not _digits(code, (10,)):
        issues.append(error("value", where, "facility code (医療機関コード) must be 10 digits"))
    elif not facility_code_valid(code):
        issues.append(
            warning("value", where, f"facility code {code} fails its check digit or prefix")
        )


def _check_insurer(code: str, where: str, issues: list[Issue]) -> None:
    if not _digits(code, (6, 8)):
        issues.append(error("value", where, "insurer number (保険者番号) must be 6 or 8 digits"))
    elif not insurer_number_valid(code):
        issues.append(warning("value", where, f"insurer number {code} fails its check digit"))


def _digits(text: str, sizes: tuple[int, ...]) -> bool:
    return len(text) in sizes and text.isascii() and text.isdigit()


def _resources(
    resource: dict[str, Any], path: str, depth: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The resource, its contained resources and (for a Bundle) its entries."""
    yield path, resource
    if depth >= MAX_SCAN_DEPTH:
        return
    for i, item in enumerate(_list(resource.get("contained"))):
        if type(item) is dict:
            yield from _resources(item, f"{path}.contained[{i}]", depth + 1)
    for i, entry in enumerate(_list(resource.get("entry"))):
        if type(entry) is dict and type(entry.get("resource")) is dict:
            yield from _resources(entry["resource"], f"{path}.entry[{i}].resource", depth + 1)


def _list(value: Any) -> list[Any]:
    return value if type(value) is list else []


def _profile_names(resource: dict[str, Any]) -> set[str]:
    meta = resource.get("meta")
    profiles = meta.get("profile") if type(meta) is dict else None
    names = set()
    for url in _list(profiles):
        if isinstance(url, str):
            names.add(url.split("|", 1)[0].rsplit("/", 1)[-1])
    return names


def _codings(concept: Any) -> list[dict[str, Any]]:
    """The codings JP rules can read: objects whose system, if any, is a string (anything
    else is the structural validator's to report)."""
    if type(concept) is not dict:
        return []
    return [
        c
        for c in _list(concept.get("coding"))
        if type(c) is dict and type(c.get("system", "")) is str
    ]


def _check_lab_result(resource: dict[str, Any], where: str, issues: list[Issue]) -> None:
    codings = _codings(resource.get("code"))
    if not any(c.get("system") == LAB_LOCAL_CODE for c in codings):
        issues.append(
            error(
                "required",
                f"{where}.code.coding",
                f"JP_Observation_LabResult_eCS needs a local lab code coding ({LAB_LOCAL_CODE})",
            )
        )


def _check_medication(
    resource: dict[str, Any],
    where: str,
    drugs: DrugLookup,
    accept_hot: bool,
    issues: list[Issue],
) -> None:
    concept = resource.get("medicationCodeableConcept")
    here = f"{where}.medicationCodeableConcept"
    if type(concept) is not dict:
        issues.append(
            error("required", here, "JP_MedicationRequest_eCS needs medicationCodeableConcept")
        )
        return
    codings = _codings(concept)
    accepted = STANDARD_DRUG_SYSTEMS | {NO_STANDARD_CODE} | (HOT_SYSTEMS if accept_hot else set())
    if not any(c.get("system") in accepted for c in codings):
        issues.append(
            error(
                "business-rule",
                f"{here}.coding",
                "no standard drug code: a YJ code, general-order code (一般名処方コード), "
                "レセ電 code or the 'no standard code' coding is required",
            )
        )
    for i, coding in enumerate(codings):
        if coding.get("system") in GENERAL_ORDER_SYSTEMS:
            _check_general_order(coding, concept, f"{here}.coding[{i}]", drugs, issues)


def _check_general_order(
    coding: dict[str, Any],
    concept: dict[str, Any],
    where: str,
    drugs: DrugLookup,
    issues: list[Issue],
) -> None:
    code = coding.get("code")
    if not isinstance(code, str) or not _general_order_shape(code):
        issues.append(error("value", f"{where}.code", f"malformed general-order code {code!r}"))
        return
    name = coding.get("display") or concept.get("text")
    keys = drugs.ingredient_keys(name) if isinstance(name, str) else None
    if keys and code[:7] not in keys:
        expected = ", ".join(sorted(keys))
        issues.append(
            error(
                "business-rule",
                f"{where}.code",
                f"general-order code {code} does not match the ingredient of {name!r} "
                f"(drug master ingredient code {expected})",
            )
        )


def _general_order_shape(code: str) -> bool:
    """12 characters: 4-digit class, 3-character ingredient, form letter, 4 more."""
    return (
        len(code) == 12
        and code.isascii()
        and code[:4].isdigit()
        and code[4:7].isalnum()
        and code[7].isalpha()
        and code[8:].isalnum()
    )
