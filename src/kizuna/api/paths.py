"""Path segments of the generic FHIR routes.

``/fhir/{res_type:fhir_type}`` matches a name (letters and digits, starting with a
letter), and ``{res_id:fhir_id}`` any segment that does not start with ``$``. So
``/fhir/$export``, ``/fhir/Patient/$match`` or ``/fhir/.well-known/…`` never reach the
generic read and search routes, whatever their order, and those routes can be tried
first: they serve most requests. An unknown type name still reaches the handler, which
answers 404 with an OperationOutcome naming it.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class _Segment(Convertor[str]):
    """A path segment passed on as it is; subclasses say what it matches."""

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class TypeSegment(_Segment):
    regex = "[A-Za-z][A-Za-z0-9]{0,63}"


class IdSegment(_Segment):
    regex = "[^/$][^/]*"


register_url_convertor("fhir_type", TypeSegment())
register_url_convertor("fhir_id", IdSegment())

#: the path parameters of the generic routes
TYPE = "{res_type:fhir_type}"
ID = "{res_id:fhir_id}"
