"""Writer of specific health checkup CDA R2 XML: :class:`CheckupDocument` -> bytes.

``write(doc)`` gives a UTF-8 ClinicalDocument in the layout the parser reads (the MHLW
特定健診情報ファイル structure): header, recordTarget with the insurance ids, author with
the facility, documentationOf with the checkup date, and one section whose entries are
the items (items sharing a ``group`` code are written inside one organizer).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from kizuna.ingest.checkup import records as r
from kizuna.ingest.checkup.records import CheckupDocument, CheckupItem

NS = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NSMAP = {None: NS, "xsi": XSI}


def write(doc: CheckupDocument) -> bytes:
    root = etree.Element(f"{{{NS}}}ClinicalDocument", nsmap=_NSMAP)
    _el(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    if doc.document_root or doc.document_extension:
        _el(root, "id", root=doc.document_root, extension=doc.document_extension)
    _el(root, "code", code=doc.report_category, codeSystem=r.REPORT_CATEGORY_OID)
    if doc.created:
        _el(root, "effectiveTime", value=_d(doc.created))
    _el(root, "confidentialityCode", code="N", codeSystem="2.16.840.1.113883.5.25")
    _record_target(root, doc)
    _author(root, doc)
    event = _el(_el(root, "documentationOf"), "serviceEvent", classCode="MPROT")
    if doc.program:
        _el(event, "code", code=doc.program, codeSystem=r.PROGRAM_OID)
    _el(event, "effectiveTime", value=_d(doc.checkup_date))
    _body(root, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _el(parent: etree._Element, name: str, text: str = "", **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    for key, value in attrs.items():
        element.set(f"{{{XSI}}}type" if key == "xsi_type" else key, value)
    if text:
        element.text = text
    return element


def _d(value: date) -> str:
    return value.strftime("%Y%m%d")


def _record_target(root: etree._Element, doc: CheckupDocument) -> None:
    role = _el(_el(root, "recordTarget"), "patientRole")
    for oid, value in (
        (r.INSURER_OID, doc.insurer),
        (r.SYMBOL_OID, doc.symbol),
        (r.NUMBER_OID, doc.number),
        (r.BRANCH_OID, doc.branch),
    ):
        if value:
            _el(role, "id", root=oid, extension=value)
    if doc.address or doc.postal_code:
        addr = _el(role, "addr", doc.address)
        if doc.postal_code:
            _el(addr, "postalCode", doc.postal_code)
    patient = _el(role, "patient")
    if doc.kanji_name:
        _el(patient, "name", doc.kanji_name, use="IDE")
    if doc.kana_name:
        _el(patient, "name", doc.kana_name, use="SYL")
    _el(patient, "administrativeGenderCode", code=doc.sex, codeSystem=r.GENDER_OID)
    _el(patient, "birthTime", value=_d(doc.birth_date))


def _author(root: etree._Element, doc: CheckupDocument) -> None:
    author = _el(root, "author")
    _el(author, "time", value=_d(doc.created or doc.checkup_date))
    assigned = _el(author, "assignedAuthor")
    _el(assigned, "id", root=r.FACILITY_OID, extension=doc.facility_code)
    org = _el(assigned, "representedOrganization")
    _el(org, "id", root=r.FACILITY_OID, extension=doc.facility_code)
    if doc.facility_name:
        _el(org, "name", doc.facility_name)
    if doc.facility_phone:
        _el(org, "telecom", value=f"tel:{doc.facility_phone}")
    if doc.facility_address:
        _el(org, "addr", doc.facility_address)
    custodian = _el(
        _el(_el(root, "custodian"), "assignedCustodian"), "representedCustodianOrganization"
    )
    _el(custodian, "id", root=r.FACILITY_OID, extension=doc.facility_code)


def _body(root: etree._Element, doc: CheckupDocument) -> None:
    body = _el(_el(root, "component"), "structuredBody")
    section = _el(_el(body, "component"), "section")
    _el(section, "code", code=doc.section, codeSystem=r.SECTION_OID)
    _el(section, "title", "特定健診情報")
    organizers: dict[str, etree._Element] = {}
    for item in doc.items:
        if item.group:
            organizer = organizers.get(item.group)
            if organizer is None:
                organizer = _el(
                    _el(section, "entry"), "organizer", classCode="BATTERY", moodCode="EVN"
                )
                _el(organizer, "code", code=item.group, codeSystem="1.2.392.200119.6.1009")
                _el(organizer, "statusCode", code="completed")
                organizers[item.group] = organizer
            _observation(_el(organizer, "component"), item)
        else:
            _observation(_el(section, "entry"), item)


def _observation(parent: etree._Element, item: CheckupItem) -> None:
    attrs = {"classCode": "OBS", "moodCode": "EVN"}
    if item.not_done:
        attrs["negationInd"] = "true"
    if item.null_flavor and not item.value_type:
        attrs["nullFlavor"] = item.null_flavor
    obs = _el(parent, "observation", **attrs)
    code_attrs = {"code": item.code, "codeSystem": r.ITEM_OID}
    if item.display:
        code_attrs["displayName"] = item.display
    _el(obs, "code", **code_attrs)
    _value(obs, item)
    if item.interpretation:
        _el(obs, "interpretationCode", code=item.interpretation, codeSystem=r.INTERPRETATION_OID)
    if item.method:
        _el(obs, "methodCode", code=item.method, codeSystem=item.method_system)
    if item.range_low or item.range_high:
        rng = _el(_el(_el(obs, "referenceRange"), "observationRange"), "value", xsi_type="IVL_PQ")
        for name, value in (("low", item.range_low), ("high", item.range_high)):
            if value:
                bound = _el(rng, name, value=value)
                if item.range_unit:
                    bound.set("unit", item.range_unit)


def _value(obs: etree._Element, item: CheckupItem) -> None:
    if item.null_flavor and not item.value_type:
        return
    if item.null_flavor:
        attrs = {"xsi_type": item.value_type, "nullFlavor": item.null_flavor}
        if item.unit:
            attrs["unit"] = item.unit
        _el(obs, "value", **attrs)
        return
    if not item.value_type:
        return
    if item.value_type == "PQ":
        attrs = {"xsi_type": "PQ", "value": item.value}
        if item.unit:
            attrs["unit"] = item.unit
        _el(obs, "value", **attrs)
    elif item.value_type in ("CD", "CO"):
        attrs = {"xsi_type": item.value_type, "code": item.value, "codeSystem": item.value_system}
        if item.value_display:
            attrs["displayName"] = item.value_display
        _el(obs, "value", **attrs)
    elif item.value_type == "ST":
        _el(obs, "value", item.value, xsi_type="ST")
    else:
        value = _el(obs, "value", xsi_type="IVL_PQ")
        bound = _el(value, "low" if item.comparator.startswith(">") else "high", value=item.value)
        if item.unit:
            bound.set("unit", item.unit)
        bound.set("inclusive", "true" if item.comparator.endswith("=") else "false")
