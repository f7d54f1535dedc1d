"""The first-visit summary (初診時サマリー) and the emergency data set, from one chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kizuna.viewer.compose.allergies import compose_allergies
from kizuna.viewer.compose.careinfo import CareInfo, compose_care_info
from kizuna.viewer.compose.chart import Chart
from kizuna.viewer.compose.checkups import compose_checkups
from kizuna.viewer.compose.documents import compose_documents
from kizuna.viewer.compose.freshness import compose_freshness
from kizuna.viewer.compose.identity import compose_identity
from kizuna.viewer.compose.labs import compose_labs
from kizuna.viewer.compose.medications import compose_medications
from kizuna.viewer.compose.model import (
    Allergy,
    Identity,
    Medications,
    Problem,
    ProcedureItem,
    Summary,
    VisitGrid,
    VisitRow,
)
from kizuna.viewer.compose.problems import compose_problems
from kizuna.viewer.compose.procedures import compose_procedures, dialysis
from kizuna.viewer.compose.visits import compose_visits

RECENT_VISIT_DAYS = 92
SURGERY_YEARS = 3


def compose_summary(chart: Chart, patient_id: str, excluded: tuple[str, ...] = ()) -> Summary:
    return Summary(
        identity=compose_identity(chart, patient_id),
        allergies=compose_allergies(chart),
        problems=compose_problems(chart),
        medications=compose_medications(chart),
        visits=compose_visits(chart),
        procedures=compose_procedures(chart),
        labs=compose_labs(chart),
        checkups=compose_checkups(chart),
        documents=compose_documents(chart),
        freshness=compose_freshness(chart),
        excluded=excluded,
    )


@dataclass(frozen=True)
class EmergencySet:
    """DOMAIN §6: everything a responder needs on one screen."""

    identity: Identity
    allergies: tuple[Allergy, ...]
    medications: Medications
    problems: tuple[Problem, ...]
    procedures: tuple[ProcedureItem, ...]
    dialysis: tuple[ProcedureItem, ...]
    recent_visits: tuple[VisitRow, ...]
    last_facility: VisitRow | None
    care: CareInfo | None
    today: date


def compose_emergency(chart: Chart, patient_id: str) -> EmergencySet:
    visits: VisitGrid = compose_visits(chart, months=3)
    since = chart.today - timedelta(days=RECENT_VISIT_DAYS)
    cutoff = chart.today - timedelta(days=365 * SURGERY_YEARS)
    problems = compose_problems(chart)
    return EmergencySet(
        identity=compose_identity(chart, patient_id),
        allergies=compose_allergies(chart),
        medications=compose_medications(chart),
        problems=tuple(p for p in problems if p.main) or problems[:8],
        procedures=tuple(
            p
            for p in compose_procedures(chart)
            if p.category == "device" or (p.origin.when or date.max) >= cutoff
        ),
        dialysis=dialysis(chart)[:3],
        recent_visits=tuple(r for r in visits.rows if r.last and r.last >= since),
        last_facility=visits.last_visit,
        care=compose_care_info(chart),
        today=chart.today,
    )
