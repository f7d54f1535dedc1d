"""Monthly receipt files, assembled once every person has been written.

A receipt file holds every patient of one facility and month, while the generator goes
person by person. So receipts are spooled to disk per facility and month (buffered in
memory up to a limit) and the files are assembled at the end: header (IR or YK), the
receipts numbered in order, and the GO trailer with the totals. Memory stays bounded by
the buffer limit and the largest single file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.writer import EOF_MARK, write_records
from kizuna.synth.facilities import Directory, Facility
from kizuna.synth.writers.files import Output, TruthRow

_SEPARATOR = "\t"


@dataclass(frozen=True, slots=True)
class Spooled:
    """What the truth file needs about a receipt, besides its bytes."""

    person_id: str
    format: str
    local_id: str
    insurance_key: str
    noise: str
    points: int

    def line(self, size: int) -> bytes:
        fields = (
            self.person_id,
            self.format,
            self.local_id,
            self.insurance_key,
            self.noise,
            str(self.points),
            str(size),
        )
        return (_SEPARATOR.join(fields) + "\n").encode("utf-8")


class ReceiptSpool:
    def __init__(self, root: Path, limit: int = 32 * 1024 * 1024) -> None:
        self.root = root
        self.limit = limit
        self._buffers: dict[tuple[str, str], list[bytes]] = defaultdict(list)
        self._size = 0

    def add(self, facility: Facility, month: date, meta: Spooled, body: bytes) -> None:
        key = (facility.code, f"{month:%Y%m}")
        self._buffers[key] += [meta.line(len(body)), body]
        self._size += len(body) + 64
        if self._size > self.limit:
            self.flush()

    def flush(self) -> None:
        for (code, month), parts in sorted(self._buffers.items()):
            folder = self.root / code
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / f"{month}.part").open("ab") as handle:
                handle.write(b"".join(parts))
        self._buffers.clear()
        self._size = 0


def read_part(path: Path) -> list[tuple[Spooled, bytes]]:
    data = path.read_bytes()
    out = []
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        fields = data[pos:end].decode("utf-8").split(_SEPARATOR)
        size = int(fields[6])
        body = data[end + 1 : end + 1 + size]
        meta = Spooled(fields[0], fields[1], fields[2], fields[3], fields[4], int(fields[5]))
        out.append((meta, body))
        pos = end + 1 + size
    return out


def assemble(spools: list[Path], out: Output, directory: Directory) -> None:
    """Write ``uke/<facility>/<YYYYMM>.UKE`` from the spools of every worker, in order."""
    months: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for spool in spools:
        for part in sorted(spool.glob("*/*.part")):
            months[(part.parent.name, part.stem)].append(part)
    for (code, month), parts in sorted(months.items()):
        facility = directory[code]
        receipts = [entry for part in parts for entry in read_part(part)]
        _write_file(out, facility, month, receipts)


def _write_file(
    out: Output, facility: Facility, month: str, receipts: list[tuple[Spooled, bytes]]
) -> None:
    year, mon = int(month[:4]), int(month[4:])
    billing = date(year + mon // 12, mon % 12 + 1, 1)
    header_type = pha.YKRecord if facility.kind == "pharmacy" else med.IRRecord
    header = header_type(
        0,
        "1",
        facility.prefecture,
        facility.table,
        facility.code7,
        None,
        facility.name,
        billing,
        "00",
        facility.phone.replace("-", ""),
    )
    chunks = [write_records([header])]
    total = 0
    relative = Path("uke", facility.code, f"{month}.UKE")
    for number, (meta, body) in enumerate(receipts, start=1):
        assert body.startswith(b"RE,0,")
        chunks.append(b"RE,%d," % number + body[5:])
        total += meta.points
        out.truth(
            TruthRow(
                meta.person_id,
                meta.format,
                facility.code,
                meta.local_id,
                meta.insurance_key,
                relative.as_posix(),
                str(number),
                meta.noise,
            )
        )
    chunks.append(write_records([med.GORecord(0, len(receipts), total, "99")]))
    out.write(relative, b"".join(chunks) + EOF_MARK, "receipt_file")
    out.counts["receipt"] += len(receipts)
