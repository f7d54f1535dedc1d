"""Installing official master files: validation, precedence over the shipped set, atomic
replacement, and the MHLW price list and MEDIS HOT formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kizuna.codes.masters import (
    MasterFormatError,
    MasterInstallError,
    Masters,
    get_masters,
    load_official_masters,
    reset_masters,
)
from kizuna.codes.masters.hot import read_hot_master
from kizuna.codes.masters.install import classify
from kizuna.codes.masters.ssk import read_ssk
from kizuna.codes.masters.store import official_dir
from kizuna.codes.masters.yakka import read_price_list

PRICE_LIST = "masters/mhlw_yakka_20250716_first400.csv"
# Two rows in the layout of the MEDIS HOT9 master (values from its 2025-10-31 release).
HOT_HEADER = (
    '"基準番号（ＨＯＴコード）","処方用番号（ＨＯＴ７）","会社識別用番号","調剤用番号",'
    '"物流用番号","ＪＡＮコード","薬価基準収載医薬品コード","個別医薬品コード",'
    '"レセプト電算処理システムコード（１）","告示名称"'
)
HOT_ROWS = (
    '"100303101","1003031","01",,,,"1112700X1011","1112700X1038","661110021","（局）ハロタン"',
    '"105203901","1052039","01",,,,"2454002F1183","2454002F1183","620006986",'
    '"デカドロン錠０．５ｍｇ"',
)


@pytest.fixture
def sample_masters(samples: Path, tmp_path: Path) -> Path:
    src = tmp_path / "download"
    shutil.copytree(samples / "uke" / "master" / "2022", src)
    (src / "readme.txt").write_text("not a master", "utf-8")
    return src


@pytest.fixture(autouse=True)
def _fresh_masters() -> None:
    reset_masters()


def test_install_validates_and_records_every_file(sample_masters: Path, tmp_path: Path) -> None:
    report = load_official_masters(sample_masters, tmp_path / "var")
    assert report.directory == tmp_path / "var" / "masters"
    assert {f.kind for f in report.files} == {
        "drugs",
        "diseases",
        "modifiers",
        "procedures",
        "materials",
    }
    assert report.count("drugs") == 4 and report.count("materials") == 6
    assert report.ignored == ["readme.txt"]
    manifest = json.loads((report.directory / "manifest.json").read_text("utf-8"))
    assert sorted(f["name"] for f in manifest["files"]) == sorted(
        p.name for p in sample_masters.glob("*_ALL00000000.csv")
    )


def test_installed_files_take_precedence(sample_masters: Path, tmp_path: Path) -> None:
    y_file = sample_masters / "y_ALL00000000.csv"
    text = y_file.read_bytes().decode("cp932").replace("ガスター散２％", "ガスター散２％（改）")
    y_file.write_bytes(text.encode("cp932"))
    load_official_masters(sample_masters, tmp_path / "var")
    masters = Masters(official_dir(tmp_path / "var"))
    gaster = masters.drug("610406079")
    assert gaster is not None and gaster.name == "ガスター散２％（改）"
    assert gaster.yj_code == "2325003B2029"
    shipped_only = masters.drug("622895000")  # not in the installed files: the shipped row
    assert shipped_only is not None and shipped_only.name == "酸化マグネシウム５００ｍｇ錠"


def test_process_masters_follow_the_data_dir(
    sample_masters: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIZUNA_DATA_DIR", str(tmp_path / "data"))
    load_official_masters(sample_masters)
    assert (tmp_path / "data" / "masters" / "manifest.json").is_file()
    assert get_masters() is get_masters()
    modifier = get_masters().modifier("8048")
    assert modifier is not None and modifier.name == "の術後"
    reset_masters()


def test_a_bad_file_rejects_the_whole_set(sample_masters: Path, tmp_path: Path) -> None:
    load_official_masters(sample_masters, tmp_path / "var")
    before = (tmp_path / "var" / "masters" / "manifest.json").read_bytes()
    broken = sample_masters / "b_ALL00000000.csv"
    broken.write_bytes(broken.read_bytes() + b'"0","B","12X"\r\n')
    with pytest.raises(MasterInstallError, match=r"b_ALL00000000\.csv"):
        load_official_masters(sample_masters, tmp_path / "var")
    assert (tmp_path / "var" / "masters" / "manifest.json").read_bytes() == before


def test_a_folder_without_masters_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MasterInstallError, match="no master files"):
        load_official_masters(tmp_path / "empty", tmp_path / "var")
    with pytest.raises(MasterInstallError, match="not a directory"):
        load_official_masters(tmp_path / "missing", tmp_path / "var")


def test_ssk_reader_names_the_bad_line(tmp_path: Path, samples: Path) -> None:
    bad = tmp_path / "y_bad.csv"
    good = (samples / "uke" / "master" / "2022" / "y_ALL00000000.csv").read_bytes()
    bad.write_bytes(good + b"\xff\xfe\x00garbage\r\n")
    with pytest.raises(MasterFormatError, match=r"y_bad\.csv"):
        read_ssk(bad)


def test_price_list_reader(shared_data: Path) -> None:
    entries = read_price_list(shared_data / PRICE_LIST)
    bromovalerylurea = entries["1121001X1018"]
    assert bromovalerylurea.ingredient == "ブロモバレリル尿素"
    assert bromovalerylurea.strength == "１ｇ"
    assert bromovalerylurea.ingredient_key == "1121001"


def test_price_list_install_gives_ingredient_names(shared_data: Path, tmp_path: Path) -> None:
    src = tmp_path / "download"
    src.mkdir()
    shutil.copy(shared_data / PRICE_LIST, src / "yakka.csv")
    assert classify(src / "yakka.csv") == "price_list"
    load_official_masters(src, tmp_path / "var")
    masters = Masters(official_dir(tmp_path / "var"))
    assert masters.ingredient_name("1123001") == "抱水クロラール"
    chloral = masters.price_list("1123001X1012")
    assert chloral is not None and chloral.product == "抱水クロラール"


def test_hot_master_reader_and_install(tmp_path: Path) -> None:
    src = tmp_path / "download"
    src.mkdir()
    hot = src / "hot9.txt"
    hot.write_bytes("\r\n".join([HOT_HEADER, *HOT_ROWS, ""]).encode("cp932"))
    assert read_hot_master(hot) == {"100303101": "1112700X1038", "105203901": "2454002F1183"}
    assert classify(hot) == "hot9"
    load_official_masters(src, tmp_path / "var")
    masters = Masters(official_dir(tmp_path / "var"))
    assert masters.ingredient_key("hot9", "100303101") == "1112700"
    assert masters.yj_of_hot9("103831601") == "2233002F1280"  # shipped link still answers


def test_hot_master_with_a_malformed_code(tmp_path: Path) -> None:
    hot = tmp_path / "hot9.txt"
    hot.write_bytes(
        "\r\n".join([HOT_HEADER, '"10030","1003031","01",,,,,"1112700X1038"', ""]).encode("cp932")
    )
    with pytest.raises(MasterFormatError, match=r"hot9.txt:2"):
        read_hot_master(hot)
