"""Derive Kizuna's compact FHIR R4 definition files from the official R4 package.

Usage::

    python -m kizuna.fhir.definitions.build <package dir> [<Bundle-searchParams.json>]

``<package dir>`` is the extracted ``hl7.fhir.r4.examples`` package (StructureDefinitions,
CompartmentDefinitions). The search parameters come from the R4 ``search-parameters``
bundle; when its path is omitted it is looked up in ``$KIZUNA_SHARED_DATA/fhir-r4`` or
``../shared/data/fhir-r4`` beside the repository. Output goes next to this file:

- ``resource_types.json``: concrete resource types.
- ``types.json.gz``: per resource type, data type and backbone element, element name ->
  [min, max (-1 = many), type code, choice base or null]; choice groups; type parents;
  primitive JSON kinds and regexes.
- ``search_parameters.json.gz``: code, base types, type, expression, targets, modifiers.
- ``compartment_patient.json``: resource type -> the Patient compartment parameters.

Every search parameter expression is then compiled; unsupported ones are listed and the
exit status is 1.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent
FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
SYSTEM_PREFIX = "http://hl7.org/fhirpath/System."
NESTED_CODES = frozenset({"BackboneElement", "Element"})
JSON_KIND_BY_ROOT = {"boolean": "boolean", "integer": "integer", "decimal": "decimal"}


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    package = Path(argv[1])
    bundle = Path(argv[2]) if len(argv) == 3 else _default_search_bundle()
    structures = _load_structures(package)
    types, parents, primitives, resource_types = _derive_types(structures)
    _write_json(OUT_DIR / "resource_types.json", sorted(resource_types))
    _write_gzip(
        OUT_DIR / "types.json.gz",
        {"types": types, "parents": parents, "primitives": primitives},
    )
    _write_gzip(OUT_DIR / "search_parameters.json.gz", _derive_search_params(bundle))
    compartment = json.loads((package / "CompartmentDefinition-patient.json").read_text())
    _write_json(OUT_DIR / "compartment_patient.json", _derive_compartment(compartment))
    print(f"{len(resource_types)} resource types, {len(types)} element tables written")
    return _report_unsupported()


def _report_unsupported() -> int:
    """Compile every expression now, so an unsupported one is reported at build time."""
    from kizuna.fhir.searchparams import unsupported_expressions

    problems = unsupported_expressions()
    for url, expression, reason in problems:
        print(f"unsupported: {url}: {expression!r}: {reason}")
    print(f"{len(problems)} search parameter expressions not supported")
    return 1 if problems else 0


def _default_search_bundle() -> Path:
    shared = os.environ.get("KIZUNA_SHARED_DATA")
    root = Path(shared) if shared else OUT_DIR.parents[4] / "shared" / "data"
    return root / "fhir-r4" / "Bundle-searchParams.json"


def _load_structures(package: Path) -> list[dict[str, Any]]:
    """Base (specialization) StructureDefinitions of resources and data types."""
    found = []
    for path in sorted(package.glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text())
        if sd.get("kind") == "logical" or sd.get("derivation") == "constraint":
            continue
        found.append(sd)
    return found


def _derive_types(
    structures: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any], list[str]]:
    types: dict[str, Any] = {}
    parents: dict[str, str] = {}
    primitives: dict[str, Any] = {}
    resource_types: list[str] = []
    for sd in structures:
        name = sd["type"]
        base = sd.get("baseDefinition", "").rsplit("/", 1)[-1]
        if base:
            parents[name] = base
        if sd["kind"] == "primitive-type":
            primitives[name] = _primitive(sd)
            continue
        if sd["kind"] == "resource" and not sd.get("abstract"):
            resource_types.append(name)
        types.update(_element_tables(sd))
    for name, info in primitives.items():
        info["json"] = _json_kind(name, parents)
    return types, parents, primitives, resource_types


def _primitive(sd: dict[str, Any]) -> dict[str, Any]:
    value = next(e for e in sd["snapshot"]["element"] if e["path"].endswith(".value"))
    exts = value["type"][0].get("extension", [])
    regex = next((x["valueString"] for x in exts if x["url"] == REGEX_EXT), None)
    return {"regex": regex}


def _json_kind(name: str, parents: dict[str, str]) -> str:
    current: str | None = name
    while current:
        if current in JSON_KIND_BY_ROOT:
            return JSON_KIND_BY_ROOT[current]
        current = parents.get(current)
    return "string"


def _element_tables(sd: dict[str, Any]) -> dict[str, Any]:
    """One table per type or backbone path: element name -> definition."""
    root = sd["type"]
    is_resource = sd["kind"] == "resource"
    elements = sd["snapshot"]["element"]
    with_children = {e["path"].rsplit(".", 1)[0] for e in elements if "." in e["path"]}
    tables: dict[str, Any] = {}
    for element in elements:
        path = element["path"]
        if "." not in path:
            tables.setdefault(root, {"elements": {}, "choices": {}})
            continue
        owner, name = path.rsplit(".", 1)
        table = tables.setdefault(owner, {"elements": {}, "choices": {}})
        resource_id = is_resource and owner == root and name == "id"
        _add_element(table, element, name, path in with_children, resource_id)
    return tables


def _add_element(
    table: dict[str, Any],
    element: dict[str, Any],
    name: str,
    has_children: bool,
    resource_id: bool,
) -> None:
    minimum = int(element["min"])
    maximum = -1 if element["max"] == "*" else int(element["max"])
    codes = [_type_code(t) for t in element.get("type", [])]
    if "contentReference" in element:
        codes = [element["contentReference"].lstrip("#")]
    elif has_children and codes and codes[0] in NESTED_CODES:
        codes = [element["path"]]
    if resource_id:
        codes = ["id"]
    if name.endswith("[x]"):
        base = name[:-3]
        variants = [[base + _upper_first(code), code] for code in codes]
        table["choices"][base] = [minimum, variants]
        for variant, code in variants:
            table["elements"][variant] = [0, 1, code, base]
        return
    table["elements"][name] = [minimum, maximum, codes[0] if codes else None, None]


def _type_code(type_ref: dict[str, Any]) -> str:
    code: str = type_ref["code"]
    if code.startswith(SYSTEM_PREFIX):
        for ext in type_ref.get("extension", []):
            if ext["url"] == FHIR_TYPE_EXT:
                return str(ext["valueUrl"])
        return code[len(SYSTEM_PREFIX) :].lower()
    return code


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _derive_search_params(bundle_path: Path) -> list[dict[str, Any]]:
    bundle = json.loads(bundle_path.read_text())
    params = []
    for entry in bundle["entry"]:
        sp = entry["resource"]
        params.append(
            {
                "url": sp["url"],
                "code": sp["code"],
                "base": sp["base"],
                "type": sp["type"],
                "expression": sp.get("expression"),
                "target": sp.get("target", []),
                "modifier": sp.get("modifier", []),
                "comparator": sp.get("comparator", []),
                "component": [
                    {"definition": c["definition"], "expression": c["expression"]}
                    for c in sp.get("component", [])
                ],
            }
        )
    params.sort(key=lambda p: (p["base"][0], p["code"]))
    return params


def _derive_compartment(compartment: dict[str, Any]) -> dict[str, list[str]]:
    return {r["code"]: r["param"] for r in compartment["resource"] if r.get("param")}


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def _write_gzip(path: Path, data: Any) -> None:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(raw.encode())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
