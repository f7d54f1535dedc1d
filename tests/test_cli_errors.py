"""The ``kizuna`` command on a broken environment: one clear line and exit status 1, never a
traceback; a new SQLite file's folder is made for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _kizuna(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIZUNA_")}
    return subprocess.run(
        [sys.executable, "-m", "kizuna.cli.main", *args],
        cwd=cwd,
        env={**environ, "KIZUNA_DATA_DIR": str(cwd / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    done = _kizuna(
        ["db", "upgrade"],
        tmp_path,
        KIZUNA_DATABASE_URL="postgresql://postgres@127.0.0.1:9/none?connect_timeout=2",
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "╭" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kizuna: OperationalError: ")
    assert "127.0.0.1" in lines[0] and "9" in lines[0]
    assert lines[0].endswith("run the command again when the database is back)")


def test_a_sqlite_file_in_a_folder_not_made_yet_is_created(tmp_path: Path) -> None:
    done = _kizuna(["db", "upgrade"], tmp_path, KIZUNA_DATABASE_URL="sqlite:///var/new/k.sqlite3")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "new" / "k.sqlite3").stat().st_size > 0
    assert "schema at" in done.stdout


def test_a_sqlite_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = _kizuna(
        ["db", "upgrade"], tmp_path, KIZUNA_DATABASE_URL=f"sqlite:///{blocker}/k.sqlite3"
    )
    assert done.returncode == 1
    assert done.stderr.startswith("kizuna: ") and "Traceback" not in done.stderr
    assert str(blocker) in done.stderr
