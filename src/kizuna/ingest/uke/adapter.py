"""The receipt-file adapter: every receipt of a ``.UKE`` / ``.CYO`` file becomes a Unit or a
Failure; a damaged receipt never stops the others. The adapter never touches the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kizuna.codes.masters import Masters, get_masters
from kizuna.ingest.base import Failure, IngestError, Location, Unit
from kizuna.ingest.uke.context import FORMAT
from kizuna.ingest.uke.mapper import map_receipt
from kizuna.ingest.uke.parser import (
    Block,
    Header,
    ReceiptBlock,
    parse_header,
    parse_receipt,
    parse_trailer,
    split_file,
)

_HEADS = (b"IR,", b"YK,")


class UkeAdapter:
    """Receipt files (レセプト電算, 医科 ``RECEIPTC.UKE`` and 調剤 ``RECEIPTY.CYO``)."""

    name = FORMAT

    def __init__(self, masters: Masters | None = None) -> None:
        self._masters = masters

    def detect(self, path: Path, head: bytes) -> bool:
        return path.is_file() and head.lstrip(b"\xef\xbb\xbf")[:3] in _HEADS

    def read(self, path: Path) -> Iterator[Unit | Failure]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Failure(FORMAT, f"cannot read file ({exc.strerror})", Location(path.name), b"")
            return
        yield from self.read_bytes(data, path.name)

    def read_bytes(self, data: bytes, filename: str) -> Iterator[Unit | Failure]:
        masters = self._masters or get_masters()
        blocks = split_file(data)
        for stray in blocks.stray:
            yield Failure(
                FORMAT,
                "record outside any receipt",
                Location(filename, stray.first_line),
                stray.raw,
            )
        headers: dict[int, Header | IngestError] = {}
        for block in blocks.receipts:
            yield self._one(block, filename, headers, masters)
        if blocks.trailer is not None:
            try:
                parse_trailer(blocks.trailer, filename)
            except IngestError as exc:
                yield Failure(FORMAT, exc.reason, exc.location, blocks.trailer.raw)

    def _one(
        self,
        block: ReceiptBlock,
        filename: str,
        headers: dict[int, Header | IngestError],
        masters: Masters,
    ) -> Unit | Failure:
        # Quarantined with its file header (IR/YK), so the receipt can be replayed alone.
        raw = (block.header.raw if block.header is not None else b"") + block.body.raw
        try:
            header = _header(block.header, filename, headers)
            receipt = parse_receipt(block, filename, header)
            return map_receipt(receipt, filename, masters)
        except IngestError as exc:
            return Failure(FORMAT, exc.reason, exc.location, raw)
        except Exception as exc:  # a defect must not stop the batch; quarantine the receipt
            where = Location(filename, block.body.first_line)
            return Failure(FORMAT, f"internal error ({type(exc).__name__})", where, raw)


def _header(
    block: Block | None, filename: str, headers: dict[int, Header | IngestError]
) -> Header | None:
    if block is None:
        return None
    key = id(block)
    found = headers.get(key)
    if found is None:
        try:
            found = parse_header(block, filename)
        except IngestError as exc:
            found = exc
        headers[key] = found
    if isinstance(found, IngestError):
        raise found
    return found
