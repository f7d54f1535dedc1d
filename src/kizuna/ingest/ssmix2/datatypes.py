"""HL7 v2.5 composite data types as used by SS-MIX2 (only the components it fills)."""

# ruff: noqa: RUF009  (fld/comp/sub/position return dataclasses.field descriptors)
from __future__ import annotations

from dataclasses import dataclass

from kizuna.ingest.ssmix2.fields import comp, sub


@dataclass(slots=True)
class CWE:
    """Coded value (also CE/CNE): code, display text, coding-system name, alternate."""

    code: str = comp(1)
    text: str = comp(2)
    system: str = comp(3)
    alt_code: str = comp(4)
    alt_text: str = comp(5)
    alt_system: str = comp(6)

    def __bool__(self) -> bool:
        return bool(self.code or self.text or self.alt_code or self.alt_text)


@dataclass(slots=True)
class HD:
    """Hierarchic designator (MSH-3/4): namespace, universal id, its type."""

    namespace: str = comp(1)
    universal_id: str = comp(2)
    universal_id_type: str = comp(3)


@dataclass(slots=True)
class MSG:
    """Message type (MSH-9): ADT^A08^ADT_A01."""

    code: str = comp(1)
    trigger: str = comp(2)
    structure: str = comp(3)


@dataclass(slots=True)
class CX:
    """Extended identifier: id, check digit, assigning authority, identifier type."""

    id: str = comp(1)
    check_digit: str = comp(2)
    authority: str = comp(4)
    type_code: str = comp(5)


@dataclass(slots=True)
class EI:
    """Entity identifier: id, namespace, universal id, its type."""

    id: str = comp(1)
    namespace: str = comp(2)
    universal_id: str = comp(3)
    universal_id_type: str = comp(4)


@dataclass(slots=True)
class XPN:
    """Person name: family, given, middle; type (L legal); representation (I kanji, P kana)."""

    family: str = comp(1)
    given: str = comp(2)
    middle: str = comp(3)
    suffix: str = comp(4)
    prefix: str = comp(5)
    type_code: str = comp(7)
    representation: str = comp(8)

    def __bool__(self) -> bool:
        return bool(self.family or self.given or self.middle)


@dataclass(slots=True)
class XCN:
    """Staff id and name: id, family, given; name type (10); representation (15)."""

    id: str = comp(1)
    family: str = comp(2)
    given: str = comp(3)
    middle: str = comp(4)
    authority: str = comp(9)
    type_code: str = comp(10)
    representation: str = comp(15)

    def __bool__(self) -> bool:
        return bool(self.id or self.family or self.given)


@dataclass(slots=True)
class XAD:
    """Address. SS-MIX2 puts the whole address text in component 8."""

    street: str = comp(1)
    other: str = comp(2)
    city: str = comp(3)
    state: str = comp(4)
    zip: str = comp(5)
    country: str = comp(6)
    type_code: str = comp(7)
    text: str = comp(8)

    def __bool__(self) -> bool:
        return any((self.street, self.other, self.city, self.state, self.zip, self.text))


@dataclass(slots=True)
class XTN:
    """Telecom: use (PRN home, WPN work, EMR...), equipment (PH, FX, CP, Internet),
    e-mail, and the unformatted number (component 12) SS-MIX2 uses."""

    legacy: str = comp(1)
    use: str = comp(2)
    equipment: str = comp(3)
    email: str = comp(4)
    number: str = comp(12)

    @property
    def value(self) -> str:
        return self.number or self.email or self.legacy


@dataclass(slots=True)
class XON:
    """Organisation name and id."""

    name: str = comp(1)
    id: str = comp(10)


@dataclass(slots=True)
class PL:
    """Person location: ward (point of care), room, bed, facility, status, type."""

    ward: str = comp(1)
    room: str = comp(2)
    bed: str = comp(3)
    facility: str = comp(4)
    status: str = comp(5)
    type_code: str = comp(6)

    def __bool__(self) -> bool:
        return bool(self.ward or self.room or self.bed)


@dataclass(slots=True)
class SubCWE:
    """A coded value written in subcomponents (inside a CQ or RPT component)."""

    code: str = comp(1)
    text: str = comp(2)
    system: str = comp(3)

    def __bool__(self) -> bool:
        return bool(self.code or self.text)


@dataclass(slots=True)
class CQ:
    """Composite quantity with units: ``5^d`` or ``3^TAB&錠&MR9P``."""

    quantity: str = comp(1)
    unit: SubCWE = sub(2, SubCWE)


@dataclass(slots=True)
class RPT:
    """Repeat pattern (TQ1-3): its first component is the usage code in subcomponents."""

    pattern: SubCWE = sub(1, SubCWE)


@dataclass(slots=True)
class EIP:
    """Entity identifier pair: placer and filler ids."""

    placer: str = comp(1)
    filler: str = comp(2)


@dataclass(slots=True)
class DR:
    """Date/time range: start and end."""

    start: str = comp(1)
    end: str = comp(2)
