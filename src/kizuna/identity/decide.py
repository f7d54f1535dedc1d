"""From a comparison to a decision: auto-link, review, no link, or never.

The model's probability sorts a pair by the thresholds; then guards stop the errors a
Fellegi–Sunter model makes with people who share a household, because the features it
assumes independent (family name, address, phone, and for twins the birth date) agree
together for relatives:

* **twins** — same birth date and family name but different given names: never linked
  (a close-but-different given name, e.g. ようこ/きょうこ, goes to review at most);
* **parent and child** — same family name, birth years 15 or more apart: never auto-linked;
* **thin evidence** — no auto-link unless the birth dates agree (exactly, day/month
  swapped, or but for a typo) and the given names agree at least as "close".
"""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.identity.compare import LEVELS, Vector, compare
from kizuna.identity.features import Features
from kizuna.identity.model import Model

FAMILY, GIVEN, BIRTH = 0, 1, 2
FAMILY_AGREES = LEVELS["family"].index("reading")  # exact, kana or reading
GIVEN_CLOSE = LEVELS["given"].index("close")
GIVEN_WEAK = LEVELS["given"].index("weak")
GIVEN_DIFFER = LEVELS["given"].index("differ")
BIRTH_TYPO = LEVELS["birth"].index("typo")
BIRTH_ONE = LEVELS["birth"].index("one")
GENERATION_YEARS = 15


@dataclass(frozen=True, slots=True)
class Judgement:
    vector: Vector
    probability: float
    decision: str  # auto | review | none | never
    guard: str | None = None  # why a guard lowered the decision


def _years_apart(a: Features, b: Features) -> int:
    if not a.birth or not b.birth:
        return 0
    return abs(int(a.birth[:4]) - int(b.birth[:4]))


def guard(vector: Vector, a: Features, b: Features) -> tuple[str, str] | None:
    """(guard name, the most a guarded pair may become), or None."""
    family, given, birth = vector[FAMILY], vector[GIVEN], vector[BIRTH]
    same_family = family is not None and family <= FAMILY_AGREES
    if same_family and birth == 0 and given is not None and given >= GIVEN_CLOSE:
        return ("twins", "never" if given == GIVEN_DIFFER else "review")
    if same_family and _years_apart(a, b) >= GENERATION_YEARS:
        return ("parent-child", "none" if birth is None or birth > BIRTH_ONE else "review")
    if birth is None or birth > BIRTH_TYPO or given is None or given > GIVEN_CLOSE:
        return ("thin-evidence", "review")
    return None


_RANK = {"never": 0, "none": 1, "review": 2, "auto": 3}


def judge(model: Model, a: Features, b: Features) -> Judgement:
    vector = compare(a, b)
    probability = model.probability(vector, model.name_adjustment(a, b, vector))
    t = model.thresholds
    decision = "auto" if probability >= t.auto else "review" if probability >= t.review else "none"
    found = guard(vector, a, b)
    if found is not None and _RANK[found[1]] < _RANK[decision]:
        return Judgement(vector, probability, found[1], found[0])
    if found is not None and found[1] == "never":
        return Judgement(vector, probability, "never", found[0])
    return Judgement(vector, probability, decision)
