"""Identity noise is applied at the configured rates, and is really in the files."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from tests.synth.support import people_rows, read_units, truth_rows

from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.parser import UkeFile, parse_bytes
from kizuna.synth import kana
from kizuna.synth.config import SynthConfig
from kizuna.synth.registration import INSURANCE_OPTIONAL, WITH_INSURANCE, can_swap

TOLERANCE = 0.06
pytestmark = pytest.mark.slow  # generates a 300-person population


def _registrations(root: Path) -> dict[tuple[str, str], dict[str, object]]:
    """(person, facility) -> its noise tags and the formats it was written in."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    for row in truth_rows(root):
        entry = out.setdefault(
            (row["person_id"], row["facility_code"]), {"tags": set(), "formats": set()}
        )
        entry["tags"] |= set(filter(None, row["noise"].split(";")))  # type: ignore[operator]
        entry["formats"].add(row["format"])  # type: ignore[union-attr]
    return out


def _share(items: list[bool]) -> float:
    assert len(items) > 100, len(items)
    return sum(items) / len(items)


def test_rates(noisy: tuple[Path, SynthConfig]) -> None:
    root, config = noisy
    noise = config.noise
    people = people_rows(root)
    regs = _registrations(root)

    def tags(key: tuple[str, str]) -> set[str]:
        return regs[key]["tags"]  # type: ignore[return-value]

    kana_share = _share([any(t.startswith("kana:") for t in tags(k)) for k in regs])
    assert abs(kana_share - noise.kana_variant) < TOLERANCE
    typo_share = _share([any(t.startswith("typo:") for t in tags(k)) for k in regs])
    assert abs(typo_share - noise.typo) < TOLERANCE
    variant_keys = [
        k
        for k in regs
        if kana.has_variant_kanji(people[k[0]]["names"].split("|")[0].split(":", 1)[1])
    ]
    assert (
        abs(_share([("kanji-variant" in tags(k)) for k in variant_keys]) - noise.kanji_variant)
        < 2 * TOLERANCE
    )
    swappable = [k for k in regs if can_swap(date.fromisoformat(people[k[0]]["birth_date"]))]
    assert abs(_share([("dob-swap" in tags(k)) for k in swappable]) - noise.dob_swap) < TOLERANCE
    optional = [k for k in regs if regs[k]["formats"] & INSURANCE_OPTIONAL]  # type: ignore
    assert (
        abs(_share([("no-insurance" in tags(k)) for k in optional]) - noise.missing_insurance)
        < TOLERANCE
    )
    insured_only = [
        k
        for k in regs
        if regs[k]["formats"]
        <= (WITH_INSURANCE - INSURANCE_OPTIONAL) | {"uke-pharmacy", "jahis-tc"}
        and regs[k]["formats"] & WITH_INSURANCE
    ]
    assert (
        abs(_share([("no-branch" in tags(k)) for k in insured_only]) - noise.missing_branch)
        < TOLERANCE
    )


def test_population_events(noisy: tuple[Path, SynthConfig]) -> None:
    root, config = noisy
    people = list(people_rows(root).values())
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in people:
        households[row["household"]].append(row)
    moved = [any("|" in r["addresses"] for r in rows) for rows in households.values()]
    assert abs(_share(moved) - config.noise.moves) < 2 * TOLERANCE
    assert sum(1 for r in people if r["twin_of"]) >= 6
    assert sum(1 for r in people if "|" in r["names"]) >= 3  # married during the timeline


def test_noise_is_in_the_files(noisy: tuple[Path, SynthConfig]) -> None:
    """A swapped birth date, half-width kana and a missing 枝番 as the receipts show them."""
    root, _ = noisy
    people = people_rows(root)
    seen = {"dob-swap": 0, "kana:halfwidth": 0, "no-branch": 0, "clean": 0}
    files: dict[str, UkeFile] = {}
    for row in truth_rows(root):
        if row["format"] != "uke":
            continue
        if row["file"] not in files:
            files[row["file"]] = parse_bytes((root / row["file"]).read_bytes(), row["file"])
        receipt = files[row["file"]].receipts[int(row["record"]) - 1]
        tags = set(row["noise"].split(";"))
        person = people[row["person_id"]]
        birth = date.fromisoformat(person["birth_date"])
        if "dob-swap" in tags:
            assert receipt.re.birth_date == date(birth.year, birth.day, birth.month)
            seen["dob-swap"] += 1
        elif not tags - {""}:
            assert receipt.re.birth_date == birth
            assert receipt.re.kana_name in person["kana"].replace(" ", "\u3000").split("|")
            seen["clean"] += 1
        if "kana:halfwidth" in tags:
            assert any("\uff61" <= c <= "\uff9f" for c in receipt.re.kana_name or "")
            seen["kana:halfwidth"] += 1
        sn = receipt.of(med.SNRecord)[0]
        assert (sn.branch is None) == ("no-branch" in tags)
        seen["no-branch"] += "no-branch" in tags
    assert all(count > 10 for count in seen.values()), seen


def test_missing_insurance_in_ssmix2(noisy: tuple[Path, SynthConfig]) -> None:
    root, _ = noisy
    rows = [r for r in truth_rows(root) if r["format"] == "ssmix2"]
    without = [r for r in rows if "no-insurance" in r["noise"]][:5]
    with_ = [r for r in rows if "no-insurance" not in r["noise"]][:5]
    assert without and with_
    for row, expected in [(r, False) for r in without] + [(r, True) for r in with_]:
        adt00 = sorted((root / row["file"]).glob("-/ADT-00/*_1"))[0]
        units = list(read_units(root, "ssmix2", adt00.relative_to(root).as_posix()))
        coverages = [r for u in units for r in u.resources if r["resourceType"] == "Coverage"]
        assert bool(coverages) == expected
