"""Validate and install official master files downloaded by an operator.

Hospital networks are closed, so nothing is fetched at run time: an operator downloads the
支払基金 basic masters (``y_``, ``s_``, ``b_``, ``z_``, ``t_``), optionally the MHLW NHI
price list and the MEDIS HOT master, and runs ``kizuna masters load DIR``. Every file is
read completely before anything is installed; one bad file rejects the whole set, so the
service never runs on half a master. The installed set replaces the previous one atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kizuna.codes.masters.hot import is_hot_master, read_hot_master
from kizuna.codes.masters.ssk import KINDS, MasterFormatError, decode_master, read_ssk
from kizuna.codes.masters.store import MANIFEST, SSK_KINDS, official_dir, reset_masters
from kizuna.codes.masters.yakka import is_price_list, read_price_list

_KIND_OF_LETTER = {letter: kind for kind, letter in SSK_KINDS.items()}
_SUFFIXES = {".csv", ".txt"}


class MasterInstallError(Exception):
    """The offered files cannot be installed; the message names the file and the problem."""


@dataclass(slots=True)
class InstalledFile:
    name: str
    kind: str
    entries: int
    sha256: str


@dataclass(slots=True)
class InstallReport:
    directory: Path
    files: list[InstalledFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(f.entries for f in self.files if f.kind == kind)


def classify(path: Path) -> str | None:
    """Which master a file holds (drugs, procedures, ..., price_list, hot9), or None."""
    head = decode_master(path.read_bytes()[:8192], path.name)
    first = head.splitlines()[0] if head else ""
    cells = [cell.strip().strip('"') for cell in first.split(",")]
    if len(cells) > 2 and cells[1] in KINDS:
        return _KIND_OF_LETTER[cells[1]]
    if is_price_list(head):
        return "price_list"
    if is_hot_master(head):
        return "hot9"
    return None


def _count(kind: str, path: Path) -> int:
    if kind in SSK_KINDS:
        letter, entries = read_ssk(path)
        if letter != SSK_KINDS[kind]:
            raise MasterFormatError(f"{path.name}: holds master {letter}, not {kind}")
        return len(entries)
    if kind == "price_list":
        return len(read_price_list(path))
    return len(read_hot_master(path))


def load_official_masters(src_dir: Path, dest_dir: Path | None = None) -> InstallReport:
    """Check every master file under ``src_dir`` and install them into ``dest_dir/masters``.

    ``dest_dir`` defaults to ``$KIZUNA_DATA_DIR`` (``./var``). Files that are not masters
    are listed in :attr:`InstallReport.ignored`. Raises :class:`MasterInstallError`.
    """
    src_dir = Path(src_dir)
    if not src_dir.is_dir():
        raise MasterInstallError(f"{src_dir}: not a directory")
    target = official_dir(Path(dest_dir) if dest_dir is not None else None)
    report = InstallReport(target)
    checked: list[tuple[Path, InstalledFile]] = []
    for path in sorted(p for p in src_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() not in _SUFFIXES:
            report.ignored.append(path.name)
            continue
        try:
            kind = classify(path)
            if kind is None:
                report.ignored.append(path.name)
                continue
            entries = _count(kind, path)
        except MasterFormatError as exc:
            raise MasterInstallError(str(exc)) from exc
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        checked.append((path, InstalledFile(_unique_name(path, checked), kind, entries, digest)))
    if not checked:
        raise MasterInstallError(f"{src_dir}: no master files found")
    _replace(target, checked)
    report.files = [info for _, info in checked]
    reset_masters()
    return report


def _unique_name(path: Path, checked: list[tuple[Path, InstalledFile]]) -> str:
    taken = {info.name for _, info in checked}
    name, n = path.name, 1
    while name in taken:
        name, n = f"{path.stem}.{n}{path.suffix}", n + 1
    return name


def _replace(target: Path, checked: list[tuple[Path, InstalledFile]]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".masters-", dir=target.parent))
    for path, info in checked:
        shutil.copyfile(path, staging / info.name)
    manifest = {
        "installed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": [
            {"name": i.name, "kind": i.kind, "entries": i.entries, "sha256": i.sha256}
            for _, i in checked
        ],
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    old = target.with_name(target.name + ".previous")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)
