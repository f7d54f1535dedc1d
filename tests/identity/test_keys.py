"""Link keys: long ids are bounded without losing equality."""

from __future__ import annotations

from kizuna.identity.keys import MAX_KEY_LENGTH, link_keys

LOCAL = "urn:oid:1.2.392.100495.20.3.51.11310100019"


def _patient(value: str) -> dict[str, object]:
    return {"resourceType": "Patient", "identifier": [{"system": LOCAL, "value": value}]}


def test_a_short_id_is_its_own_key() -> None:
    assert link_keys(_patient("000123")) == [f"loc:{LOCAL}|000123"]


def test_a_long_id_keys_by_prefix_and_digest_and_still_links() -> None:
    long = "A" * 4_000
    (key,) = link_keys(_patient(long))
    assert len(key) <= MAX_KEY_LENGTH
    assert key.startswith(f"loc:{LOCAL}|AAAA") and "#" in key
    assert link_keys(_patient(long)) == [key]  # the same id links to the same patient
    assert link_keys(_patient(long[:-1] + "B")) != [key]  # another id does not
