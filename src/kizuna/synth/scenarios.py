"""Medication safety situations in a history: the same ingredient prescribed by two
facilities at once (重複投薬) and known interacting pairs (併用注意), as a pharmacist would
note them in the e-medication notebook (record 401)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kizuna.synth.clinical import History, Prescription

#: (ingredient, ingredient) -> the note a pharmacist writes
INTERACTIONS: dict[frozenset[str], str] = {
    frozenset({"3399007", "1149035"}): "併用注意：アスピリンとＮＳＡＩＤｓ（メロキシカム）"
    "（消化管出血・抗血小板作用減弱）",
    frozenset({"2344009", "6241010"}): "併用注意：酸化マグネシウムとトスフロキサシン"
    "（キレート形成による吸収低下）",
    frozenset({"1179041", "4291003"}): "併用注意：パロキセチンとタモキシフェン"
    "（ＣＹＰ２Ｄ６阻害による効果減弱）",
}


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # duplicate or interaction
    prescription: str  # the prescription number the note belongs to
    ingredients: tuple[str, ...]
    facilities: tuple[str, ...]
    note: str


def _window(rx: Prescription) -> tuple[date, date]:
    longest = max((rp.days for rp in rx.rps if not rp.as_needed), default=7)
    return rx.day, rx.day + timedelta(days=longest)


def findings(history: History) -> list[Finding]:
    """Overlapping prescriptions from different facilities that share an ingredient or
    form an interacting pair; one finding per later prescription and pair."""
    prescriptions = [v.prescription for v in history.visits if v.prescription is not None]
    out: list[Finding] = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    running: list[tuple[date, Prescription]] = []  # (end of supply, prescription)
    for later in prescriptions:
        start, end = _window(later)
        running = [(e_end, rx) for e_end, rx in running if e_end >= start]
        for _, earlier in running:
            if earlier.facility.code == later.facility.code:
                continue
            for found in _compare(earlier, later):
                key = (later.number, found.kind, found.ingredients)
                if key not in seen:
                    seen.add(key)
                    out.append(found)
        running.append((end, later))
    return out


def _compare(earlier: Prescription, later: Prescription) -> list[Finding]:
    out = []
    facilities = (earlier.facility.code, later.facility.code)
    for a in earlier.drugs:
        for b in later.drugs:
            if not a.ingredient or not b.ingredient:
                continue
            if a.ingredient == b.ingredient:
                out.append(
                    Finding(
                        "duplicate",
                        later.number,
                        (a.ingredient,),
                        facilities,
                        f"重複投薬注意：{a.name}（{earlier.facility.name}）と{b.name}は同一成分",
                    )
                )
            note = INTERACTIONS.get(frozenset({a.ingredient, b.ingredient}))
            if note:
                out.append(
                    Finding(
                        "interaction",
                        later.number,
                        tuple(sorted({a.ingredient, b.ingredient})),
                        facilities,
                        note,
                    )
                )
    return out
