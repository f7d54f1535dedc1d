"""Demo accounts, one per role. DEMO ONLY: never run against a production database.

Credentials are random on every call and returned (printed by ``kizuna demo``); nothing
secret lives in the repository. Re-running replaces the earlier demo accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kizuna.auth.clock import Clock
from kizuna.auth.keys import ServerKeys
from kizuna.auth.users import create_user
from kizuna.codes.checkdigit import with_check_digit
from kizuna.store.db import Database

PREFIX = "demo-"
DEMO_PREFECTURE = "13"  # Tokyo
DEMO_HOSPITAL = (with_check_digit("131012345"), "かもめ中央病院 (demo)")
DEMO_DENTAL = (with_check_digit("133012345"), "みなと歯科クリニック (demo)")
DEMO_PHARMACY = (with_check_digit("134012345"), "さくら薬局 (demo)")
WARNING = "DEMO ONLY - these accounts and credentials are for demonstration, never production"


def _profiles(patient_id: str, child_ids: Sequence[str]) -> list[dict[str, Any]]:
    hospital, dental, pharmacy = DEMO_HOSPITAL, DEMO_DENTAL, DEMO_PHARMACY
    return [
        {"role": "physician", "display_name": "医師 デモ", "facility": hospital},
        {"role": "dentist", "display_name": "歯科医師 デモ", "facility": dental},
        {"role": "pharmacist", "display_name": "薬剤師 デモ", "facility": pharmacy},
        {"role": "nurse", "display_name": "看護師 デモ", "facility": hospital},
        {"role": "emergency", "display_name": "救急隊 デモ", "prefecture": DEMO_PREFECTURE},
        {"role": "clerk", "display_name": "医療事務 デモ", "facility": hospital},
        {"role": "patient", "display_name": "患者 デモ", "patient_ids": [patient_id]},
        {"role": "guardian", "display_name": "保護者 デモ", "patient_ids": list(child_ids)},
        {"role": "network_admin", "display_name": "ネットワーク管理者 デモ"},
        {"role": "auditor", "display_name": "監査担当者 デモ"},
    ]


def _remove_demo_user(db: Database, username: str) -> None:
    with db.transaction() as tx:
        row = tx.fetchone("SELECT user_id FROM auth_users WHERE username = ?", (username,))
        if row:
            tx.execute("DELETE FROM auth_sessions WHERE user_id = ?", (row[0],))
            tx.execute("DELETE FROM auth_users WHERE user_id = ?", (row[0],))


def create_demo_users(
    db: Database,
    keys: ServerKeys,
    *,
    patient_id: str = "demo-patient",
    child_ids: Sequence[str] = ("demo-child",),
    clock: Clock | None = None,
) -> list[dict[str, Any]]:
    """One account per role with fresh random credentials; returns them for printing.

    ``patient_id`` is the Patient the demo patient may see; ``child_ids`` the children the
    demo guardian may see.
    """
    created = []
    for profile in _profiles(patient_id, child_ids):
        username = PREFIX + profile["role"].replace("_", "-")
        _remove_demo_user(db, username)
        facility = profile.get("facility")
        credentials = create_user(
            db,
            keys,
            username=username,
            display_name=profile["display_name"],
            role=profile["role"],
            facility_code=facility[0] if facility else None,
            facility_name=facility[1] if facility else None,
            prefecture=profile.get("prefecture"),
            patient_ids=profile.get("patient_ids", ()),
            clock=clock,
        )
        created.append({**credentials.as_json(), "demo_only": True, "warning": WARNING})
    return created
