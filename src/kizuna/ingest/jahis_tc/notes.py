"""Patient special notes (患者特記, record 2): allergy or plain note.

The rule: a note becomes an AllergyIntolerance only when it clearly states an allergy to
something named, that is

* kind 1 (アレルギー歴) whose text names a substance, e.g. ``乳製品`` or ``ペニシリン``;
  a text that only says an allergy exists or not (``アレルギー歴あり``, ``あり``,
  ``なし``, ``不明``) names nothing and stays a note;
* any other kind whose text says ``<substance>アレルギー`` or ``<substance>過敏症``,
  e.g. ``卵アレルギー``.

Everything else (副作用歴 such as ``セフェム系（発熱）``, 既往歴, その他) is kept verbatim as
a note Observation, so nothing is lost and nothing is over-interpreted.
"""

from __future__ import annotations

import re

_STATUS_ONLY = re.compile(
    r"(アレルギー(歴)?)?(あり|有り|有|なし|無し|無|ない|無い|特になし|とくになし|不明|未確認)"
    r"[。．.]?"
)
_NAMED = re.compile(r"(?P<substance>.+?)(アレルギー|過敏症)")
_TRIM = " \u3000・、，,：:"

KIND_LABELS = {"1": "アレルギー歴", "2": "副作用歴", "3": "既往歴", "9": "その他"}


def allergy_substance(kind: str, text: str) -> str | None:
    """The substance a note names as an allergy, or None when it is not clearly one."""
    body = text.strip(_TRIM)
    if not body or _STATUS_ONLY.fullmatch(body):
        return None
    if kind == "1":
        return body
    named = _NAMED.search(body)
    if named is None:
        return None
    substance = named.group("substance").strip(_TRIM)
    if not substance or _STATUS_ONLY.fullmatch(substance):
        return None
    return substance
