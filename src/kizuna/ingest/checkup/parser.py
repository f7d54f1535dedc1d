"""Parser of specific health checkup (特定健診) CDA R2 XML.

The XML is read through defusedxml's lxml front end with DTDs and entities forbidden, so
XXE and entity-expansion attacks (billion laughs) are rejected before anything is built.
With ``xsd_path`` the document is validated against that schema (the MHLW hc08 XSD);
without it the parser checks the structure it relies on itself. Every problem raises
:class:`ParseError` whose field is the XPath of the offending element.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lxml import etree

from kizuna.ingest.base import Location, ParseError
from kizuna.ingest.checkup import records as r
from kizuna.ingest.checkup.records import CheckupDocument, CheckupItem

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import defusedxml
    from defusedxml import lxml as safe_lxml

NS = "urn:hl7-org:v3"
_OBSERVATION = f"{{{NS}}}observation"
_ORGANIZER = f"{{{NS}}}organizer"
_CODE = f"{{{NS}}}code"
_VALUE = f"{{{NS}}}value"
_INTERPRETATION = f"{{{NS}}}interpretationCode"
_METHOD = f"{{{NS}}}methodCode"
_RANGE = f"{{{NS}}}referenceRange"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_N = {"h": NS}
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_ITEM_CODE = re.compile(r"[0-9A-Z]{17}")
MAX_BYTES = 8 * 1024 * 1024
VALUE_TYPES = frozenset({"PQ", "CD", "CO", "ST", "IVL_PQ"})


def parse(data: bytes, file: str = "<bytes>", xsd_path: Path | None = None) -> CheckupDocument:
    """The checkup document in ``data``; :class:`ParseError` on any problem."""
    root = _load(data, file)
    if xsd_path is not None:
        _validate(root, file, xsd_path)
    return _Reader(file, root).document()


def _load(data: bytes, file: str) -> etree._Element:
    if len(data) > MAX_BYTES:
        raise ParseError("document is larger than 8 MiB", Location(file))
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        load_dtd=False,
    )
    try:
        root = safe_lxml.fromstring(data, parser=parser, forbid_dtd=True, forbid_entities=True)
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(
            f"forbidden XML construct ({type(exc).__name__})", Location(file)
        ) from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise ParseError("not well-formed XML", Location(file, line=line)) from None
    except (ValueError, TypeError):
        raise ParseError("not well-formed XML", Location(file)) from None
    if root.tag != f"{{{NS}}}ClinicalDocument":
        raise ParseError("root element is not a CDA ClinicalDocument", Location(file, field="/"))
    return root


@lru_cache(maxsize=8)
def _schema(xsd_path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(xsd_path, parser))


def _validate(root: etree._Element, file: str, xsd_path: Path) -> None:
    try:
        schema = _schema(str(xsd_path))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError):
        raise ParseError("the XSD could not be loaded", Location(str(xsd_path))) from None
    if schema.validate(root):
        return
    error = schema.error_log[0]
    where = Location(file, line=error.line, field=error.path or None)
    raise ParseError(f"does not match the schema ({error.type_name})", where)


def xpath_of(element: etree._Element) -> str:
    """A readable XPath such as ``/ClinicalDocument/component/.../entry[3]/observation``."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        same = [s for s in node.itersiblings(preceding=True) if s.tag == node.tag]
        later = next((True for s in node.itersiblings() if s.tag == node.tag), False)
        steps.append(f"{name}[{len(same) + 1}]" if same or later else name)
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


class _Reader:
    def __init__(self, file: str, root: etree._Element) -> None:
        self.file = file
        self.root = root

    def fail(self, reason: str, element: etree._Element | None, path: str = "") -> ParseError:
        where = path or (xpath_of(element) if element is not None else "/ClinicalDocument")
        line = element.sourceline if element is not None else None
        return ParseError(reason, Location(self.file, line=line, field=where))

    def one(self, path: str, context: etree._Element | None = None) -> etree._Element:
        found = (context if context is not None else self.root).find(path, _N)
        if found is None:
            base = xpath_of(context) if context is not None else "/ClinicalDocument"
            readable = path.replace("h:", "")
            raise self.fail(f"required element {readable} is missing", None, f"{base}/{readable}")
        return found

    def date_of(self, element: etree._Element, name: str) -> date:
        value = element.get("value", "")
        m = _DATE.match(value)
        try:
            if m is None:
                raise ValueError
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise self.fail(f"{name} is not a YYYYMMDD date", element) from None

    def document(self) -> CheckupDocument:
        role = self.one("h:recordTarget/h:patientRole")
        patient = self.one("h:patient", role)
        gender = self.one("h:administrativeGenderCode", patient)
        sex = gender.get("code", "")
        if sex not in ("1", "2"):
            raise self.fail("administrativeGenderCode/@code is not 1 or 2", gender)
        org = self.one("h:author/h:assignedAuthor/h:representedOrganization")
        org_id = self.one("h:id", org)
        facility = org_id.get("extension", "")
        if not (facility.isascii() and facility.isdigit() and len(facility) == 10):
            raise self.fail("facility number is not 10 digits", org_id)
        event = self.one("h:documentationOf/h:serviceEvent")
        doc = CheckupDocument(
            checkup_date=self.date_of(self.one("h:effectiveTime", event), "checkup date"),
            facility_code=facility,
            birth_date=self.date_of(self.one("h:birthTime", patient), "birth date"),
            sex=sex,
        )
        self._header(doc, role, patient, org, event)
        self._items(doc)
        return doc

    def _header(self, doc: CheckupDocument, role, patient, org, event) -> None:  # type: ignore[no-untyped-def]
        if (doc_id := self.root.find("h:id", _N)) is not None:
            doc.document_root = doc_id.get("root", "")
            doc.document_extension = doc_id.get("extension", "")
        if (code := self.root.find("h:code", _N)) is not None:
            doc.report_category = code.get("code", "")
        if (created := self.root.find("h:effectiveTime", _N)) is not None:
            doc.created = self.date_of(created, "creation date")
        if (program := event.find("h:code", _N)) is not None:
            doc.program = program.get("code", "")
        ids = {i.get("root", ""): i.get("extension", "") for i in role.findall("h:id", _N)}
        doc.insurer = ids.get(r.INSURER_OID, "")
        doc.symbol = ids.get(r.SYMBOL_OID, "")
        doc.number = ids.get(r.NUMBER_OID, "")
        doc.branch = ids.get(r.BRANCH_OID, "")
        if (addr := role.find("h:addr", _N)) is not None:
            doc.address = (addr.text or "").strip()
            doc.postal_code = _text(addr.find("h:postalCode", _N))
        for name in patient.findall("h:name", _N):
            if name.get("use") == "IDE":
                doc.kanji_name = _text(name)
            else:
                doc.kana_name = _text(name)
        doc.facility_name = _text(org.find("h:name", _N))
        if (telecom := org.find("h:telecom", _N)) is not None:
            doc.facility_phone = telecom.get("value", "").removeprefix("tel:")
        if (org_addr := org.find("h:addr", _N)) is not None:
            doc.facility_address = "".join(org_addr.itertext()).strip()
        section = self.one("h:component/h:structuredBody/h:component/h:section")
        if (section_code := section.find("h:code", _N)) is not None:
            doc.section = section_code.get("code", "")

    def _items(self, doc: CheckupDocument) -> None:
        body = self.one("h:component/h:structuredBody")
        for section in body.iterfind("h:component/h:section", _N):
            base = xpath_of(section)
            for index, entry in enumerate(section.iterfind("h:entry", _N), start=1):
                where = f"{base}/entry[{index}]"
                for child in entry:
                    if child.tag == _OBSERVATION:
                        doc.items.append(self._item(child, "", f"{where}/observation"))
                    elif child.tag == _ORGANIZER:
                        group = _attr(child.find("h:code", _N), "code")
                        for n, obs in enumerate(child.iterfind("h:component/h:observation", _N), 1):
                            path = f"{where}/organizer/component[{n}]/observation"
                            doc.items.append(self._item(obs, group, path))

    def _item(self, obs: etree._Element, group: str, path: str) -> CheckupItem:
        parts = {child.tag: child for child in reversed(obs)}  # first of each tag wins
        code_el = parts.get(_CODE)
        if code_el is None:
            raise self.fail("required element code is missing", None, f"{path}/code")
        code = code_el.get("code", "")
        if code_el.get("codeSystem") != r.ITEM_OID or not _ITEM_CODE.fullmatch(code):
            raise self.fail(
                f"item code is not a 17-character 特定健診 code (OID {r.ITEM_OID})", code_el
            )
        item = CheckupItem(code, code_el.get("displayName", ""), group=group, xpath=path)
        item.not_done = obs.get("negationInd", "").lower() == "true"
        item.null_flavor = obs.get("nullFlavor", "")
        value = parts.get(_VALUE)
        if value is not None:
            self._value(item, value)
        elif not item.not_done and not item.null_flavor:
            raise self.fail("observation has no value, nullFlavor or negationInd", obs)
        if (interp := parts.get(_INTERPRETATION)) is not None:
            item.interpretation = interp.get("code", "")
        if (method := parts.get(_METHOD)) is not None:
            item.method, item.method_system = method.get("code", ""), method.get("codeSystem", "")
        if (ref := parts.get(_RANGE)) is not None:
            self._range(item, ref)
        return item

    def _range(self, item: CheckupItem, ref: etree._Element) -> None:
        rng = ref.find("h:observationRange/h:value", _N)
        if rng is None:
            return
        low, high = rng.find("h:low", _N), rng.find("h:high", _N)
        item.range_low = self._number(low)
        item.range_high = self._number(high)
        item.range_unit = _attr(low, "unit") or _attr(high, "unit")

    def _value(self, item: CheckupItem, value: etree._Element) -> None:
        kind = value.get(XSI_TYPE, "").rsplit(":", 1)[-1]
        if value.get("nullFlavor"):
            item.null_flavor = value.get("nullFlavor", "")
            item.value_type = kind
            item.unit = value.get("unit", "")
            return
        if kind not in VALUE_TYPES:
            raise self.fail("value xsi:type is not PQ, CD, CO, ST or IVL_PQ", value)
        item.value_type = kind
        if kind == "PQ":
            item.value = self._number(value, required=True)
            item.unit = value.get("unit", "")
        elif kind in ("CD", "CO"):
            item.value = value.get("code", "")
            if not item.value:
                raise self.fail("coded value has no @code", value)
            item.value_system = value.get("codeSystem", "")
            item.value_display = value.get("displayName", "")
        elif kind == "ST":
            item.value = (value.text or "").strip()
        else:
            self._censored(item, value)

    def _censored(self, item: CheckupItem, value: etree._Element) -> None:
        """IVL_PQ with one bound: a result beyond the measurable range (> high or < low)."""
        low, high = value.find("h:low", _N), value.find("h:high", _N)
        bound = low if low is not None else high
        if bound is None or (low is not None and high is not None):
            raise self.fail("an interval value needs exactly one of low or high", value)
        item.value = self._number(bound, required=True)
        item.unit = bound.get("unit", "")
        item.comparator = ">" if bound is low else "<"
        if bound.get("inclusive", "false").lower() == "true":
            item.comparator += "="

    def _number(self, element: etree._Element | None, required: bool = False) -> str:
        if element is None:
            return ""
        text = element.get("value", "")
        if not text and not required:
            return ""
        if not _DECIMAL.fullmatch(text):
            raise self.fail("@value is not a decimal number", element)
        try:
            Decimal(text)
        except InvalidOperation:
            raise self.fail("@value is not a decimal number", element) from None
        return text


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _attr(element: etree._Element | None, name: str) -> str:
    return element.get(name, "") if element is not None else ""
