"""Blocking: which stored patients a patient is compared with.

Comparing every pair does not scale to a nation, so a patient is only compared with the
patients that share at least one *block key* with it. Each rule below exists to catch
the true matches that the others miss:

============  =======================================  ======================================
rule          key                                      catches
============  =======================================  ======================================
``dg``        birth date + first kana of given name    married-name changes, family typos
``df``        birth date + first kana of family name   given-name typos and variants
``nm``        full kana reading (family + given)       birth-date typos
``nk``        full kanji name (variants folded)        birth-date typos where kana is absent
``ph``        phone number                             name and birth-date errors together
``zg``        postal code + given-name reading         married name with a birth-date typo
============  =======================================  ======================================

A true pair is missed only when it shares no key at all, e.g. a married-name change plus
a birth-date typo plus a move plus a new phone. Keys are stored as short digests, so the
block table holds no readable personal data. Blocks larger than :data:`MAX_BLOCK` (a
common name, a facility's own phone entered for many patients) are skipped when
candidates are gathered: their members are still found through their other keys.
"""

from __future__ import annotations

import hashlib

from kizuna.identity.features import Features

MAX_BLOCK = 1000


def _digest(kind: str, *parts: str) -> str:
    text = "\x1f".join(parts)
    return f"{kind}:{hashlib.blake2b(text.encode(), digest_size=9).hexdigest()}"


def _initials(kana: tuple[str, ...], kanji: tuple[str, ...]) -> set[str]:
    return {"y" + k[0] for k in kana if k} | {"k" + k[0] for k in kanji if k}


def block_keys(f: Features) -> list[str]:
    keys: list[str] = []
    if f.birth:
        keys += [_digest("dg", f.birth, i) for i in _initials(f.given_kana, f.given_kanji)]
        families = _initials(f.family_kana + f.full_kana, f.family_kanji + f.full_kanji)
        keys += [_digest("df", f.birth, i) for i in families]
    keys += [_digest("nm", a + b) for a in f.family_kana for b in f.given_kana]
    keys += [_digest("nm", x) for x in f.full_kana]
    keys += [_digest("nk", a + b) for a in f.family_kanji for b in f.given_kanji]
    keys += [_digest("nk", x) for x in f.full_kanji]
    keys += [_digest("ph", p) for p in f.phones]
    postals = {a.postal for a in f.addresses if a.postal}
    keys += [_digest("zg", z, g) for z in postals for g in f.given_kana]
    return sorted(set(keys))
