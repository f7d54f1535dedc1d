"""``kizuna identity``: the patient index (batch matching, the review queue, manual links).

The output shows names and birth dates to the operator working the queue; nothing of it
goes to the application log.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="The patient index: match, review, link, unlink, merge.", no_args_is_help=True
)
review_app = typer.Typer(help="The review queue of possible matches.")
app.add_typer(review_app, name="review")
console = Console()

ACTOR = typer.Option(None, "--actor", help="who acts (default: the login name)")
REASON = typer.Option(None, "--reason", help="why, kept with the link event")


def _db():  # type: ignore[no-untyped-def]
    from kizuna.config import load
    from kizuna.store.db import Database

    return Database(load().database_url)


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


@app.command("match")
def match(
    pending: bool = typer.Option(False, "--pending", help="only patients ingestion left pending"),
) -> None:
    """Match in batch: index stored Patients not yet indexed, then link or queue pairs."""
    from kizuna.identity import batch

    db = _db()
    indexed = batch.ensure_indexed(db)
    tally = batch.match_pending(db) if pending else batch.match_all(db)
    console.print(
        f"indexed {indexed} new patients; compared {tally.compared} pairs, "
        f"auto-linked {tally.linked}, queued {tally.queued} for review"
    )


@app.command("train")
def train(
    method: str = typer.Option(
        "prior", help="prior (keep m, refit u, prior, name frequencies) or em (also estimate m)"
    ),
) -> None:
    """Re-estimate the matching model on the stored patients."""
    from kizuna.identity import batch

    db = _db()
    batch.ensure_indexed(db)
    try:
        model = batch.train(db, method)
    except ValueError as exc:
        _fail(str(exc))
        return
    console.print(
        f"model estimated ({model.trained_by}) on {model.pairs} candidate pairs; "
        f"prior {model.prior:.3g}"
    )


@review_app.callback(invoke_without_command=True)
def review(ctx: typer.Context) -> None:
    """Without a subcommand: list the pending pairs."""
    if ctx.invoked_subcommand is None:
        review_list()


@review_app.command("list")
def review_list(
    status: str = typer.Option("pending", help="pending | linked | accepted | rejected"),
    limit: int = typer.Option(20, help="how many pairs"),
) -> None:
    """Pairs with their evidence per feature, most probable first."""
    from kizuna.identity import pairs
    from kizuna.identity.review import evidence

    db = _db()
    with db.read() as tx:
        total = pairs.count(tx, status)
        shown = pairs.listing(tx, status, limit)
        for pair in shown:
            table = Table(
                title=f"pair {pair.pair_id}: p={pair.probability:.4f} ({pair.reason or status})",
                title_justify="left",
            )
            for column in ("feature", "level", "weight", pair.patient_a[:8], pair.patient_b[:8]):
                table.add_column(column)
            for e in evidence(tx, pair):
                weight = "" if e.weight is None else f"{e.weight:+.2f}"
                table.add_row(e.feature, e.level or "-", weight, e.left, e.right)
            console.print(table)
    console.print(f"{len(shown)} of {total} {status} pairs")


@review_app.command("accept")
def review_accept(pair_id: int, actor: str | None = ACTOR, reason: str | None = REASON) -> None:
    """Link the pair's patients into one person."""
    from kizuna.identity.review import ReviewError, accept

    with _db().transaction() as tx:
        try:
            person = accept(tx, pair_id, _actor(actor), reason)
        except ReviewError as exc:
            _fail(str(exc))
            return
    console.print(f"pair {pair_id} accepted: person {person}")


@review_app.command("reject")
def review_reject(pair_id: int, actor: str | None = ACTOR, reason: str | None = REASON) -> None:
    """Never link the pair (and undo it if it was auto-linked)."""
    from kizuna.identity.review import ReviewError, reject

    with _db().transaction() as tx:
        try:
            reject(tx, pair_id, _actor(actor), reason)
        except ReviewError as exc:
            _fail(str(exc))
            return
    console.print(f"pair {pair_id} rejected")


@app.command("link")
def link(
    patient_a: str, patient_b: str, actor: str | None = ACTOR, reason: str | None = REASON
) -> None:
    """Put two patients into one person (a manual link)."""
    from kizuna.identity.review import ReviewError, link_patients

    with _db().transaction() as tx:
        try:
            person = link_patients(tx, patient_a, patient_b, _actor(actor), reason)
        except ReviewError as exc:
            _fail(str(exc))
            return
    console.print(f"linked: person {person}")


@app.command("unlink")
def unlink(patient: str, actor: str | None = ACTOR, reason: str | None = REASON) -> None:
    """Take a patient out of its person (it will not be matched back)."""
    from kizuna.identity.review import ReviewError, unlink_patient

    with _db().transaction() as tx:
        try:
            person = unlink_patient(tx, patient, _actor(actor), reason)
        except ReviewError as exc:
            _fail(str(exc))
            return
    console.print(f"unlinked: now person {person}")


@app.command("merge")
def merge(keep: str, gone: str, actor: str | None = ACTOR, reason: str | None = REASON) -> None:
    """Move every patient of person GONE into person KEEP."""
    from kizuna.identity.review import ReviewError, merge_persons

    with _db().transaction() as tx:
        try:
            merge_persons(tx, keep, gone, _actor(actor), reason)
        except ReviewError as exc:
            _fail(str(exc))
            return
    console.print(f"merged person {gone} into {keep}")


@app.command("history")
def history(
    patient: str | None = typer.Option(None, help="a patient id"),
    person: str | None = typer.Option(None, help="a person id"),
    limit: int = typer.Option(100),
) -> None:
    """Link events (create, link, unlink, merge), oldest first."""
    from kizuna.identity import persons

    with _db().read() as tx:
        events = persons.history(tx, patient, person, limit)
    for e in events:
        when = datetime.fromtimestamp(e.at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        moved = f"{e.previous_person_id} -> {e.person_id}" if e.previous_person_id else e.person_id
        score = "" if e.score is None else f" score={e.score}"
        why = f" ({e.reason})" if e.reason else ""
        console.print(
            f"#{e.event_id} {when} {e.action} patient {e.patient_id} person {moved} "
            f"[{e.kind}{score}] by {e.actor}{why}",
            soft_wrap=True,
            markup=False,
        )


@app.command("person")
def person(patient: str) -> None:
    """The person a patient belongs to, and all its patients."""
    from kizuna.identity import persons

    with _db().read() as tx:
        found = persons.person_of(tx, patient)
        members = persons.patients_of(tx, found) if found else []
    if found is None:
        _fail("the patient is not in the patient index")
    console.print(f"person {found}: " + ", ".join(members))
