"""Search values split on their separators with FHIR's backslash escapes, and page links
carry every parameter of the search they page."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import orjson
from hypothesis import given
from hypothesis import strategies as st

from kizuna.fhir.render import page_links
from kizuna.fhir.search.engine import Page
from kizuna.fhir.search.query import parse
from kizuna.fhir.search.values import split_escaped, unescape

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


def _escape(part: str) -> str:
    return "".join(f"\\{ch}" if ch in ",|$\\" else ch for ch in part)


@given(st.lists(texts, min_size=1, max_size=5), st.sampled_from([",", "|"]))
def test_escaped_parts_split_back_to_themselves(parts: list[str], sep: str) -> None:
    assert split_escaped(sep.join(_escape(p) for p in parts), sep) == parts


@given(st.lists(texts.filter(lambda t: "\\" not in t and "|" not in t), min_size=1, max_size=5))
def test_plain_values_split_on_every_separator(parts: list[str]) -> None:
    assert split_escaped("|".join(parts), "|") == parts


def test_unescape_keeps_a_backslash_before_other_characters() -> None:
    assert unescape(r"a\,b\|c\$d\\e") == "a,b|c$d\\e"
    assert unescape(r"C:\temp") == r"C:\temp"
    assert unescape("ヤマダ") == "ヤマダ"


param_values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@given(
    st.lists(st.tuples(st.sampled_from(["name", "code", "_sort"]), param_values), max_size=4),
    st.integers(min_value=0, max_value=200),
    st.booleans(),
)
def test_page_links_carry_the_parameters_and_the_offset(
    params: list[tuple[str, str]], offset: int, has_next: bool
) -> None:
    query = parse("Patient", [("_count", "10"), ("_offset", str(offset))])
    page = Page(query, has_next=has_next)
    given_params = [*params, ("_count", "10"), ("_offset", str(offset))]
    links = {}
    for text in page_links("http://h/fhir", "Patient", given_params, page):
        link = orjson.loads(text)
        links[link["relation"]] = urlsplit(link["url"])
    expected = {"self": offset, "first": 0}
    if offset > 0:
        expected["previous"] = max(0, offset - 10)
    if has_next:
        expected["next"] = offset + 10
    assert expected == {
        relation: int(dict(parse_qsl(url.query)).get("_offset", "0"))
        for relation, url in links.items()
    }
    for url in links.values():
        assert url.path == "/fhir/Patient"
        assert [p for p in parse_qsl(url.query, keep_blank_values=True) if p[0] != "_offset"] == [
            *params,
            ("_count", "10"),
        ]
