"""The access log a patient (or guardian) sees: who looked at the record, in plain words.

Each entry names the reader by role and facility ("a physician at 東京中央病院"), says
when (Japan time), what kind of data, and why, and flags emergency access with the
reason the reader declared. Accesses by the patient or guardian themselves are left out
unless asked for; denied attempts are left out except denied emergency attempts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kizuna.audit.event import Action, Outcome, Purpose
from kizuna.audit.records import SELECT, AuditRecord
from kizuna.auth.roles import ROLES
from kizuna.store.db import Database

SHOWN = (
    Action.READ,
    Action.SEARCH,
    Action.EXPORT,
    Action.EMERGENCY_ACCESS,
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.CONSENT_CHANGE,
)
SELF_SERVICE = ("patient", "guardian")

#: resource types in words: (English, Japanese)
DATA_WORDS: dict[str, tuple[str, str]] = {
    "Patient": ("basic details", "基本情報"),
    "Coverage": ("insurance", "保険情報"),
    "Observation": ("test results and measurements", "検査結果"),
    "DiagnosticReport": ("test reports", "検査レポート"),
    "MedicationRequest": ("medications", "薬剤情報"),
    "MedicationDispense": ("medications", "薬剤情報"),
    "MedicationStatement": ("medications", "薬剤情報"),
    "MedicationAdministration": ("medications", "薬剤情報"),
    "Medication": ("medications", "薬剤情報"),
    "Condition": ("diagnoses", "病名"),
    "AllergyIntolerance": ("allergies", "アレルギー"),
    "Procedure": ("surgery and procedures", "手術・処置"),
    "Encounter": ("visits", "受診歴"),
    "Immunization": ("vaccinations", "予防接種"),
    "DocumentReference": ("documents", "文書"),
    "Composition": ("documents", "文書"),
    "ImagingStudy": ("images", "画像"),
    "Consent": ("your consent settings", "同意の設定"),
    "CarePlan": ("care plan", "ケア計画"),
    "Device": ("medical devices", "医療機器"),
    "DeviceUseStatement": ("medical devices", "医療機器"),
    "RelatedPerson": ("contacts", "連絡先"),
}
OTHER_DATA = ("other records", "その他の記録")
VERBS: dict[str, tuple[str, str]] = {
    Action.READ: ("viewed", "閲覧"),
    Action.SEARCH: ("looked up", "検索"),
    Action.EMERGENCY_ACCESS: ("viewed in an emergency", "救急時に閲覧"),
    Action.EXPORT: ("exported", "出力"),
    Action.CREATE: ("added", "登録"),
    Action.UPDATE: ("updated", "更新"),
    Action.DELETE: ("removed", "削除"),
    Action.CONSENT_CHANGE: ("changed the consent settings of", "同意を変更"),
}
WHY: dict[str, tuple[str, str]] = {
    Purpose.TREATMENT: ("for your care", "診療のため"),
    Purpose.EMERGENCY: ("for emergency care", "救急医療のため"),
    Purpose.PATIENT_REQUEST: ("at your request", "ご本人の依頼により"),
    Purpose.OPERATIONS: ("for service operations", "運用のため"),
    Purpose.AUDIT: ("for an audit", "監査のため"),
}


def _who(record: AuditRecord) -> tuple[str, str]:
    role = ROLES.get(record.actor_role or "")
    facility = record.facility_name
    if record.actor_kind == "client":
        place = facility or "a connected facility"
        return f"the system of {place}", f"{facility or '接続施設'}のシステム"
    if role is None:
        return "someone", "不明な利用者"
    article = "an" if role.label[0] in "aeiou" else "a"
    if facility:
        return f"{article} {role.label} at {facility}", f"{facility}の{role.label_ja}"
    return f"{article} {role.label}", role.label_ja


def _what(record: AuditRecord) -> tuple[list[str], list[str]]:
    types = dict.fromkeys(ref.split("/", 1)[0] for ref in record.data)
    words = dict.fromkeys(DATA_WORDS.get(t, OTHER_DATA) for t in types) or {OTHER_DATA: None}
    return [w[0] for w in words], [w[1] for w in words]


def describe(record: AuditRecord, patient_id: str) -> dict[str, Any]:
    """One entry of the patient's access log."""
    who, who_ja = _who(record)
    what, what_ja = _what(record)
    verb, verb_ja = VERBS.get(record.action, ("accessed", "アクセス"))
    why, why_ja = WHY.get(record.purpose or "", ("", ""))
    emergency = record.action == Action.EMERGENCY_ACCESS or record.purpose == Purpose.EMERGENCY
    denied = record.outcome != Outcome.ALLOWED
    summary = f"{who[0].upper()}{who[1:]} {verb} your {', '.join(what)}" + (
        f" {why}" if why else ""
    )
    if denied:
        summary = f"{who[0].upper()}{who[1:]} tried to view your record and was refused"
    return {
        "seq": record.seq,
        "at": record.local_time(),
        "patient_id": patient_id,
        "who": who,
        "who_ja": who_ja,
        "role": record.actor_role,
        "facility": record.facility_name,
        "action": verb,
        "action_ja": verb_ja,
        "what": what,
        "what_ja": what_ja,
        "why": why,
        "why_ja": why_ja,
        "emergency": emergency,
        "emergency_reason": record.emergency_reason if emergency else None,
        "refused": denied,
        "summary": summary + ".",
    }


def patient_access_log(
    db: Database,
    patient_ids: Iterable[str],
    since: datetime | int | None = None,
    limit: int = 100,
    include_self: bool = False,
) -> list[dict[str, Any]]:
    """Who accessed these patients' records, newest first, in plain words.

    ``since`` is a datetime or epoch milliseconds. Give the patient ids of the signed-in
    patient or guardian (``Principal.patient_ids``), never ids taken from the request.
    """
    pids = list(dict.fromkeys(patient_ids))
    if not pids:
        return []
    since_ms = int(since.timestamp() * 1000) if isinstance(since, datetime) else since
    actions = ",".join("?" * len(SHOWN))
    sql = (
        f"{SELECT} JOIN audit_patients p ON p.seq = l.seq"
        f" WHERE p.patient_id IN ({','.join('?' * len(pids))}) AND l.action IN ({actions})"
        " AND (l.outcome = 'allowed' OR l.action = 'emergency-access')"
    )
    params: list[object] = [*pids, *SHOWN]
    if since_ms is not None:
        sql += " AND l.at_ms >= ?"
        params.append(since_ms)
    if not include_self:
        sql += (
            " AND NOT (COALESCE(l.actor_kind, '') = 'user'"
            " AND COALESCE(l.actor_role, '') IN (?, ?))"
        )
        params.extend(SELF_SERVICE)
    sql += " ORDER BY l.seq DESC LIMIT ?"
    params.append(max(1, min(limit, 1000)) * len(pids))
    with db.read() as tx:
        rows = tx.fetchall(sql, params)
    entries: list[dict[str, Any]] = []
    seen: set[int] = set()
    for row in rows:
        record = AuditRecord.from_row(row)
        if record.seq in seen:
            continue
        seen.add(record.seq)
        mine = next(pid for pid in record.patient_ids if pid in pids)
        entries.append(describe(record, mine))
    return entries[:limit]
