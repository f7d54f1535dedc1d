"""Recompute the audit chain and say exactly what was tampered with, by sequence number.

Every stored row is checked three ways: its hash against its content (``changed``), its
``prev_hash`` against the row before it (links), and its stored ``seq`` against the
position it was written at (the hash covers ``seq``, so a row whose hash verifies for a
nearby number was moved there). The walk follows the links rather than the stored order,
so it can name the kind of damage:

* ``changed``    a row's content no longer matches its hash;
* ``deleted``    rows missing from the middle of the chain;
* ``inserted``   a row that is not part of the chain (its successor links past it), or
                 rows beyond the chain head;
* ``reordered``  rows stored out of their written order;
* ``renumbered`` a run of intact rows whose numbers were shifted (after an insertion or
                 a deletion that someone tried to hide);
* ``truncated``  rows missing at the end, proven by the head or by a signed checkpoint;
* ``checkpoint`` a signed checkpoint that is forged or disagrees with the chain;
* ``index``/``review`` a patient-index or review-queue entry that disagrees with its row.

Memory is bounded: rows are read in pages and at most ``WINDOW`` rows are held for
diagnosis, so moves and insertions are named when they stay within that distance.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kizuna.audit.chain import CHAIN_COLUMNS, GENESIS, SEQ, row_hash, with_seq
from kizuna.audit.checkpoints import Checkpoint, load_checkpoints, signature_valid
from kizuna.audit.event import Action
from kizuna.store.db import Database, Tx

WINDOW = 1024
MAX_SHIFT = 16
PAGE = 5000
_PIDS = CHAIN_COLUMNS.index("patient_ids")
_ACTION = CHAIN_COLUMNS.index("action")


@dataclass(frozen=True)
class Finding:
    seq: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.kind}: {self.detail}"


@dataclass
class Report:
    rows: int = 0
    head_seq: int | None = None
    last_seq: int = 0  # the last written sequence number the walk reached
    checkpoints: int = 0
    signed_through: int = 0  # the newest checkpoint that verified
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def unsigned_rows(self) -> int:
        return max(0, self.last_seq - self.signed_through)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head_seq": self.head_seq,
            "last_seq": self.last_seq,
            "checkpoints": self.checkpoints,
            "signed_through": self.signed_through,
            "unsigned_rows": self.unsigned_rows,
            "findings": [f.__dict__ for f in self.findings],
        }


@dataclass(frozen=True)
class StoredRow:
    values: tuple[Any, ...]  # CHAIN_COLUMNS order
    prev_hash: str
    hash: str

    @property
    def seq(self) -> int:
        return int(self.values[SEQ])


@dataclass(frozen=True)
class _Link:
    written: int  # the seq the row was written with
    hash: str
    stored: int  # the seq it is stored at now
    pids: frozenset[str] | None = None  # patient-index entries this row consumed
    review: bool = False  # whether it consumed a review-queue entry


@dataclass
class _Run:
    start: int  # stored seq
    end: int
    offset: int  # stored - written


class _Walker:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.tip = _Link(0, GENESIS, 0)
        self.history: deque[_Link] = deque([self.tip], maxlen=WINDOW)
        self.orphans: list[tuple[StoredRow, int | None]] = []
        self.run: _Run | None = None
        self.seen: dict[int, str] = {}  # written seq -> hash, for checkpoint seqs
        self.watch: set[int] = set()
        self.index: dict[int, set[str]] = {}  # written seq -> patient ids, not yet matched
        self.reviews: set[int] = set()  # review-queue seqs not yet matched
        self.deleted: list[tuple[int, int]] = []

    def finding(self, seq: int, kind: str, detail: str) -> None:
        self.report.findings.append(Finding(seq, kind, detail))

    # -- what a row is -------------------------------------------------------------------
    def written_seq(self, row: StoredRow) -> int | None:
        """The seq this row's hash verifies for (its own, or a nearby one), or None."""
        candidates = [row.seq]
        if self.run is not None:
            candidates.append(row.seq - self.run.offset)
        for d in range(1, MAX_SHIFT + 1):
            candidates += [row.seq - d, row.seq + d]
        for seq in dict.fromkeys(candidates):
            if seq > 0 and row_hash(row.prev_hash, with_seq(row.values, seq)) == row.hash:
                return seq
        return None

    # -- the walk ------------------------------------------------------------------------
    def feed(self, row: StoredRow) -> None:
        self.report.rows += 1
        written = self.written_seq(row)
        if row.prev_hash == self.tip.hash:
            self.accept(row, written)
        elif (index := self.find(row.prev_hash)) is not None:
            self.rewind(index)
            self.accept(row, written)
        elif written == row.seq and row.seq > self.tip.stored + 1 and not self.orphans:
            self.missing(self.tip.written + 1, row.seq - 1)
            self.accept(row, written, linked=False)
        else:
            self.orphans.append((row, written))
            if len(self.orphans) > WINDOW:
                self.break_chain()
            return
        self.drain()

    def find(self, prev_hash: str) -> int | None:
        for i in range(len(self.history) - 2, -1, -1):
            if self.history[i].hash == prev_hash:
                return i
        return None

    def rewind(self, index: int) -> None:
        """Rows accepted after history[index] are not in the chain: they were inserted."""
        links = list(self.history)
        for link in links[index + 1 :]:
            self.finding(
                link.stored, "inserted", "not part of the chain: the next row links past it"
            )
            if link.pids is not None:  # give back what the inserted row consumed
                self.index.setdefault(link.written, set()).update(link.pids)
            if link.review:
                self.reviews.add(link.written)
        retracted = {link.stored for link in links[index + 1 :]}
        self.report.findings = [
            f
            for f in self.report.findings
            if not (f.kind in ("index", "review") and f.seq in retracted)
        ]
        self.history = deque(links[: index + 1], maxlen=WINDOW)
        self.tip = links[index]

    def missing(self, first: int, last: int) -> None:
        if first > last:
            return
        self.deleted.append((first, last))
        self.finding(first, "deleted", f"{_seqs(first, last)} missing from the chain")

    def accept(
        self, row: StoredRow, written: int | None, linked: bool = True, reordered: bool = False
    ) -> None:
        expected = self.tip.written + 1 if linked else row.seq
        intact = False
        if written is None:
            self.finding(row.seq, "changed", "the row's content does not match its hash")
            written = expected
        elif linked and written != expected:
            detail = f"hash made for seq {written} but it follows seq {expected - 1}"
            self.finding(row.seq, "changed", detail)
            written = expected
        else:
            intact = True
            if row.seq != written:
                self.moved(row.seq, written, reordered)
        pids, review = self.take_side_entries(written)
        if intact:
            self.check_side_entries(row, pids, review)
        self.tip = _Link(written, row.hash, row.seq, frozenset(pids), review)
        self.history.append(self.tip)
        if written in self.watch:
            self.seen[written] = row.hash

    def take_side_entries(self, written: int) -> tuple[set[str], bool]:
        review = written in self.reviews
        self.reviews.discard(written)
        return self.index.pop(written, set()), review

    def check_side_entries(self, row: StoredRow, pids: set[str], review: bool) -> None:
        if pids != set((row.values[_PIDS] or "").split()):
            self.finding(row.seq, "index", "the patient index does not match the row")
        if review != (row.values[_ACTION] == Action.EMERGENCY_ACCESS):
            self.finding(row.seq, "review", "the review queue does not match the row")

    def add_side_entries(self, index: dict[int, set[str]], reviews: set[int]) -> None:
        for seq, pids in index.items():
            self.index.setdefault(seq, set()).update(pids)
        self.reviews |= reviews

    def evict_side_entries(self, below: int) -> None:
        """Entries for seqs no row can claim any more: they point at rows that are gone."""
        for seq in [s for s in self.index if s < below]:
            del self.index[seq]
            if not any(first <= seq <= last for first, last in self.deleted):
                self.finding(seq, "index", "a patient index entry has no row")
        for seq in [s for s in self.reviews if s < below]:
            self.reviews.discard(seq)
            if not any(first <= seq <= last for first, last in self.deleted):
                self.finding(seq, "review", "a review-queue entry has no row")

    def moved(self, stored: int, written: int, reordered: bool) -> None:
        if reordered:
            self.finding(stored, "reordered", f"holds the row written as seq {written}")
            return
        offset = stored - written
        run = self.run
        if run is not None and run.offset == offset and stored == run.end + 1:
            run.end = stored
            return
        self.flush_run()
        self.run = _Run(stored, stored, offset)

    def flush_run(self) -> None:
        run, self.run = self.run, None
        if run is None:
            return
        written = _seqs(run.start - run.offset, run.end - run.offset)
        where = _seqs(run.start, run.end)
        self.finding(run.start, "renumbered", f"{where}: rows written as {written}")

    def unmove_tip(self) -> None:
        """The tip turned out to be half of a reordering, not part of a renumbered run."""
        run, tip = self.run, self.tip
        if run is None or run.end != tip.stored:
            return
        if run.start == run.end:
            self.run = None
        else:
            run.end -= 1
        self.finding(tip.stored, "reordered", f"holds the row written as seq {tip.written}")

    def drain(self) -> None:
        """Accept held rows that follow the new tip (they were stored before it)."""
        progress = True
        while progress and self.orphans:
            progress = False
            for i, (row, written) in enumerate(self.orphans):
                if row.prev_hash == self.tip.hash:
                    del self.orphans[i]
                    early = row.seq < self.tip.stored  # stored before its predecessor
                    if early:
                        self.unmove_tip()
                    self.accept(row, written, reordered=early)
                    progress = True
                    break

    def break_chain(self) -> None:
        """Nothing links to the tip: rows are gone or replaced. Restart from a held row."""
        row, written = self.orphans.pop(0)
        follows_tip = written == self.tip.written + 1
        if written is not None and written > self.tip.written + 1:
            self.missing(self.tip.written + 1, written - 1)
        elif follows_tip and self.tip.written > 0:
            detail = "replaced: the next row was chained to a different row here"
            self.finding(self.tip.stored, "changed", detail)
        else:
            self.finding(row.seq, "deleted", "the row before it in the chain is missing")
        self.accept(row, written, linked=False)
        self.drain()

    def finish(self) -> None:
        while self.orphans:
            self.break_chain()
        self.flush_run()


def _seqs(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seqs {first}-{last}"


def _rows(tx: Tx, after: int) -> list[StoredRow]:
    columns = ", ".join((*CHAIN_COLUMNS, "prev_hash", "hash"))
    rows = tx.fetchall(
        f"SELECT {columns} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (after, PAGE)
    )
    return [StoredRow(tuple(r[:-2]), r[-2], r[-1]) for r in rows]


def _side_entries(tx: Tx, low: int, high: int) -> tuple[dict[int, set[str]], set[int]]:
    index: dict[int, set[str]] = {}
    for pid, seq in tx.fetchall(
        "SELECT patient_id, seq FROM audit_patients WHERE seq > ? AND seq <= ?", (low, high)
    ):
        index.setdefault(int(seq), set()).add(pid)
    reviews = tx.fetchall("SELECT seq FROM audit_reviews WHERE seq > ? AND seq <= ?", (low, high))
    return index, {int(r[0]) for r in reviews}


def _walk(db: Database, walker: _Walker) -> None:
    """Feed every row in pages, including rows appended while the walk ran."""
    after, side_until = 0, 0
    for _ in range(4):
        while True:
            with db.read() as tx:
                page = _rows(tx, after)
                high = page[-1].seq + MAX_SHIFT if page else side_until
                if high > side_until:
                    walker.add_side_entries(*_side_entries(tx, side_until, high))
                    side_until = high
            if not page:
                break
            for row in page:
                walker.feed(row)
            after = page[-1].seq
            walker.evict_side_entries(walker.tip.written - WINDOW - 2 * MAX_SHIFT)
        with db.read() as tx:
            head = tx.fetchone("SELECT seq FROM audit_head WHERE id = 1")
        if head is None or head[0] <= after:
            break
    with db.read() as tx:  # entries beyond the last row
        walker.add_side_entries(*_side_entries(tx, side_until, 2**62))


def _check_head(db: Database, walker: _Walker, report: Report) -> None:
    with db.read() as tx:
        head = tx.fetchone("SELECT seq, hash FROM audit_head WHERE id = 1")
    tip = walker.tip
    report.head_seq = int(head[0]) if head else None
    if head is None:
        if report.rows:
            walker.finding(tip.written, "truncated", "the chain head is missing")
        return
    seq, head_hash = int(head[0]), str(head[1])
    if seq > tip.written:
        walker.deleted.append((tip.written + 1, seq))
        missing = _seqs(tip.written + 1, seq)
        walker.finding(tip.written + 1, "truncated", f"{missing} missing at the end of the chain")
    elif seq < tip.written:
        walker.finding(seq + 1, "inserted", f"rows after seq {seq} are beyond the chain head")
    elif head_hash != tip.hash:
        walker.finding(seq, "changed", "the chain head's hash does not match the last row")


def _check_checkpoints(
    checkpoints: list[Checkpoint],
    walker: _Walker,
    report: Report,
    public_keys: dict[str, Any] | None,
) -> None:
    for cp in checkpoints:
        if public_keys is not None and not signature_valid(cp, public_keys):
            walker.finding(cp.seq, "checkpoint", "signature does not verify (forged checkpoint)")
            continue
        seen = walker.seen.get(cp.seq)
        if seen is None and cp.seq > walker.tip.written:
            walker.deleted.append((walker.tip.written + 1, cp.seq))
            walker.finding(
                walker.tip.written + 1,
                "truncated",
                f"a signed checkpoint covers seq {cp.seq}; the chain ends at {walker.tip.written}",
            )
        elif seen is None:
            walker.finding(cp.seq, "deleted", "the row a signed checkpoint covers is missing")
        elif seen != cp.hash:
            walker.finding(
                cp.seq,
                "checkpoint",
                "the chain up to here was rewritten: the hash differs from the signed checkpoint",
            )
        else:
            report.signed_through = max(report.signed_through, cp.seq)


def verify_chain(db: Database, public_keys: dict[str, Any] | None = None) -> Report:
    """Check the whole audit chain. ``public_keys`` (key id -> EC public key) also checks
    checkpoint signatures; without it only their hashes are compared."""
    report = Report()
    walker = _Walker(report)
    with db.read() as tx:
        checkpoints = load_checkpoints(tx)
    report.checkpoints = len(checkpoints)
    walker.watch = {cp.seq for cp in checkpoints}
    _walk(db, walker)
    walker.finish()
    report.last_seq = walker.tip.written
    _check_head(db, walker, report)
    _check_checkpoints(checkpoints, walker, report, public_keys)
    walker.evict_side_entries(2**62)  # whatever no row claimed
    report.findings.sort(key=lambda f: (f.seq, f.kind))
    return report
