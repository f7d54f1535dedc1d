"""Adapter: tree walking, storage names, flags, facility, and bad files in a batch."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.ingest.base import Failure, Unit
from kizuna.ingest.ssmix2 import adapter as adapter_module
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter, read_file
from kizuna.ingest.ssmix2.storage import (
    StorageName,
    parse_name,
    patient_dir_of,
    patient_files,
    relative_path,
)


def _results(root: Path, facility: str | None) -> list[Unit | Failure]:
    return list(Ssmix2Adapter(facility).read(root))


def _renamed(path: Path, **changes: str) -> Path:
    name = parse_name(path.name)
    assert name is not None
    fields = {f: getattr(name, f) for f in StorageName.__slots__}
    fields.update(changes)
    return path.with_name(StorageName(**fields).filename)


def test_whole_sample_tree_yields_one_unit_per_file(sample_root: Path, facility: str) -> None:
    results = _results(sample_root, facility)
    assert len(results) == 19
    assert all(isinstance(r, Unit) for r in results)
    keys = {r.key for r in results if isinstance(r, Unit)}
    assert len(keys) == 19


def test_unit_key_version_and_source(sample_units: dict[str, Unit], facility: str) -> None:
    unit = sample_units["OMP-01"]
    assert unit.key == f"ssmix2|{facility}|9999013|20110701|OMP-01|000000011000185"
    assert unit.version == "20110701224603984"
    assert unit.source.format == "ssmix2"
    assert unit.source.record == "20110701000001"
    assert unit.source.facility_code == facility
    assert not unit.delete_unit


def test_storage_name_round_trip(sample_files: dict[str, Path]) -> None:
    path = sample_files["OMG-11"]
    name = parse_name(path.name)
    assert name == StorageName(
        "9999013", "20111220", "OMG-11", "2011122000300", "20111220224447339", "24", "1"
    )
    assert name.filename == path.name
    assert relative_path(name) == Path("999/901/9999013/20111220/OMG-11", path.name)
    assert patient_dir_of(path) == path.parents[2]
    assert parse_name("README.txt") is None
    assert parse_name("9999013_2011_ADT-00_1_20111220224447339_-_1") is None


def test_flag0_deletes_what_the_valid_file_produced(tree_copy: Path, facility: str) -> None:
    original = next(tree_copy.rglob("*_OMP-01_*"))
    valid = read_file(original, facility)
    assert isinstance(valid, Unit)
    deleted_path = _renamed(original, flag="0")
    original.rename(deleted_path)
    deleted = read_file(deleted_path, facility)
    assert isinstance(deleted, Unit)
    assert deleted.delete_unit
    assert deleted.key == valid.key
    assert deleted.resources == []
    produced = {
        (r["resourceType"], r["id"])
        for r in valid.resources
        if r["resourceType"] == "MedicationRequest"
    }
    assert set(deleted.deletes) == produced
    assert deleted.patient == valid.patient  # still says whose record it was


def test_flag0_on_an_admission_cancels_the_encounter(tree_copy: Path, facility: str) -> None:
    for later in (*tree_copy.rglob("*_ADT-42_*"), *tree_copy.rglob("*_ADT-52_*")):
        later.unlink()  # the admission alone, then cancelled
    admission = next(tree_copy.rglob("*_ADT-22_*"))
    cancelled_path = _renamed(admission, flag="0")
    admission.rename(cancelled_path)
    unit = read_file(cancelled_path, facility)
    assert isinstance(unit, Unit)
    assert unit.delete_unit
    encounter = next(r for r in unit.resources if r["resourceType"] == "Encounter")
    assert encounter["status"] == "cancelled"  # JAMI table: ADT-22.DEL -> cancelled


def test_flag2_superseded_versions_share_the_key(tree_copy: Path, facility: str) -> None:
    current = next(tree_copy.rglob("*_OML-11_*"))
    older = _renamed(current, timestamp="20111219000000000", flag="2")
    shutil.copy(current, older)
    results = {
        Path(r.source.file).name: r for r in _results(tree_copy, facility) if isinstance(r, Unit)
    }
    new_unit, old_unit = results[current.name], results[older.name]
    assert new_unit.key == old_unit.key
    assert old_unit.version < new_unit.version
    assert not old_unit.delete_unit


def test_lone_file_in_a_tree_uses_the_patients_other_messages(
    sample_files: dict[str, Path], facility: str, sample_units: dict[str, Unit]
) -> None:
    unit = read_file(sample_files["ADT-52"], facility)
    assert isinstance(unit, Unit)
    encounter = next(r for r in unit.resources if r["resourceType"] == "Encounter")
    assert encounter["period"]["start"] == "2011-11-20T16:00:00+09:00"  # from the ADT-22
    assert encounter == next(
        r for r in sample_units["ADT-52"].resources if r["resourceType"] == "Encounter"
    )


def test_file_outside_a_tree_uses_pid3_and_msh9(
    sample_files: dict[str, Path], tmp_path: Path, facility: str
) -> None:
    loose = tmp_path / "incoming.hl7"
    shutil.copy(sample_files["ADT-61"], loose)
    unit = read_file(loose, facility)
    assert isinstance(unit, Unit)
    assert unit.patient is not None
    assert unit.patient["identifier"][0]["value"] == "12345678"  # PID-3
    assert unit.key == f"ssmix2|{facility}|12345678|ADT-61|msh10:20111014232213"
    assert unit.version == "20111014232213000"
    assert len([r for r in unit.resources if r["resourceType"] == "AllergyIntolerance"]) == 4


def test_missing_facility_is_a_warning_not_a_failure(sample_root: Path) -> None:
    results = _results(sample_root, None)
    assert all(isinstance(r, Unit) for r in results)
    for unit in results:
        assert isinstance(unit, Unit)
        assert "facility" in {w.code for w in unit.warnings}
        assert unit.patient is not None
        assert "identifier" not in unit.patient or all(
            "1.2.392.100495.20.3.51" not in i["system"] for i in unit.patient["identifier"]
        )
        assert not any(
            r["resourceType"] == "Organization"
            and "identifier" in r
            and r["identifier"][0]["system"].endswith("institution-no")
            for r in unit.resources
        )


def test_facility_from_msh4_and_its_check_digit(tree_copy: Path) -> None:
    path = next(tree_copy.rglob("*_ADT-61_*"))
    raw = path.read_bytes().replace(b"|HIS123|SEND|", b"|HIS123|2213150011|")
    path.write_bytes(raw)
    unit = read_file(path, "1311234567")
    assert isinstance(unit, Unit)
    assert unit.source.facility_code == "2213150011"  # MSH-4 wins over the argument
    warning = next(w for w in unit.warnings if w.code == "check-digit")
    assert warning.location.field == "MSH-4"


def test_corrupt_files_fail_alone(tree_copy: Path, facility: str) -> None:
    truncated = next(tree_copy.rglob("*_ADT-00_*"))
    raw = truncated.read_bytes()
    truncated.write_bytes(raw[: raw.index(b"\x1b$B", raw.index(b"PID")) + 5])
    garbage = next(tree_copy.rglob("*_OMD_*"))
    garbage.write_bytes(bytes(range(256)) * 4)
    broken = next(tree_copy.rglob("*_OML-11_*"))
    lines = broken.read_bytes().split(b"\r")
    lines[4] = b"S#M" + lines[4][3:]
    broken.write_bytes(b"\r".join(lines))
    wrong = next(tree_copy.rglob("*_PPR-01_*"))
    wrong.write_bytes(wrong.read_bytes().replace(b"PRB|AD|", b"PRB|\x80\xfd|"))
    no_pid = next(tree_copy.rglob("*_OMP-11_*"))
    no_pid.write_bytes(
        b"\r".join(line for line in no_pid.read_bytes().split(b"\r") if not line.startswith(b"PID"))
    )

    results = _results(tree_copy, facility)
    failed = {Path(f.location.file).name: f for f in results if isinstance(f, Failure)}
    assert len([r for r in results if isinstance(r, Unit)]) == 14
    assert set(failed) == {p.name for p in (truncated, garbage, broken, wrong, no_pid)}
    assert failed[truncated.name].location.line == 3
    assert "truncated" in failed[truncated.name].reason
    assert failed[broken.name].location.line == 5
    assert failed[wrong.name].location.line == 3
    assert "PID" in failed[no_pid.name].reason
    for failure in failed.values():
        assert failure.format == "ssmix2"
        assert failure.raw  # quarantined verbatim


def test_detect(sample_root: Path, sample_files: dict[str, Path], tmp_path: Path) -> None:
    adapter = Ssmix2Adapter()
    path = sample_files["ADT-00"]
    assert adapter.detect(sample_root, b"")
    assert adapter.detect(path, path.read_bytes()[:200])
    other = tmp_path / "receipt.UKE"
    other.write_bytes(b"IR,1,13,1,1234567")
    assert not adapter.detect(other, other.read_bytes())
    assert not adapter.detect(tmp_path, b"")


def test_unreadable_path_is_a_failure(tmp_path: Path) -> None:
    results = list(Ssmix2Adapter().read(tmp_path / "missing" / "file"))
    assert len(results) == 1
    assert isinstance(results[0], Failure)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=70_000))
def test_a_file_is_read_whole(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "message.hl7"
        path.write_bytes(data)
        assert adapter_module._read_bytes(path) == data


def test_a_file_that_grew_after_its_size_was_taken_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "message.hl7"
    data = b"MSH|^~\\&|" + bytes(range(256)) * 1000
    path.write_bytes(data)
    real_fstat = os.fstat

    class Smaller:
        def __init__(self, fd: int) -> None:
            self.st_size = real_fstat(fd).st_size // 3  # as when the file was a third as long

    monkeypatch.setattr(adapter_module.os, "fstat", Smaller)
    assert adapter_module._read_bytes(path) == data


def test_a_file_above_the_bound_is_quarantined_by_name(
    sample_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / sample_files["ADT-00"].name
    path.write_bytes(sample_files["ADT-00"].read_bytes())
    monkeypatch.setattr(adapter_module, "MAX_FILE_BYTES", path.stat().st_size - 1)
    failure = read_file(path)
    assert isinstance(failure, Failure)
    assert failure.location.file == str(path)
    assert failure.reason == (
        f"file is {path.stat().st_size} bytes, larger than any SS-MIX2 message"
        f" ({path.stat().st_size - 1})"
    )
    monkeypatch.setattr(adapter_module, "MAX_FILE_BYTES", path.stat().st_size)
    assert isinstance(read_file(path), Unit)


def test_a_patients_files_are_listed_in_name_order_without_hidden_entries(
    sample_files: dict[str, Path], tmp_path: Path
) -> None:
    source = sample_files["ADT-00"]
    name = parse_name(source.name)
    assert name is not None
    patient_dir = tmp_path / relative_path(name).parents[2]
    wanted = []
    for date, kind in (("20240301", "OMP-01"), ("20240105", "ADT-00"), ("20240105", "ADT-22")):
        renamed = _renamed(source, care_date=date, data_type=kind)
        target = patient_dir / date / kind / renamed.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        wanted.append(target)
    (patient_dir / "20240105" / "ADT-00" / ".partial").write_bytes(b"MSH")
    (patient_dir / ".trash" / "OMP-01").mkdir(parents=True)
    (patient_dir / ".trash" / "OMP-01" / source.name).write_bytes(source.read_bytes())
    (patient_dir / "20240105" / "notes.txt").write_text("not a folder")
    assert patient_files(patient_dir) == sorted(wanted)
    assert all(type(path) is type(source) for path in patient_files(patient_dir))
