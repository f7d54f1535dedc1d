"""Insurer numbers (保険者番号) and memberships with valid check digits.

| kind | insurer number |
|---|---|
| 協会けんぽ (kyokai) | 01 + prefecture + 001 + check (e.g. 01130012) |
| 健保組合 (kumiai) | 06 + prefecture + 3 digits + check |
| 共済組合 (kyosai) | 31-34 + prefecture + 3 digits + check |
| 国民健康保険 (kokuho) | prefecture + 3-digit municipality + check: 6 digits |
| 後期高齢者医療 (kouki) | 39 + prefecture + 3-digit municipality + check |

Employees' insurance gives the insured person 枝番 00 and dependents 01, 02...; 国保
numbers the household's members 01, 02...; 後期高齢者 numbers are personal (no 記号).
"""

from __future__ import annotations

import random
from datetime import date

from kizuna.codes.checkdigit import with_check_digit
from kizuna.synth.model import Address, Coverage, PublicExpense

EMPLOYEE_KINDS = ("kyokai", "kumiai", "kyosai")


def kyokai_insurer(prefecture: str) -> str:
    return with_check_digit(f"01{prefecture}001")


def kumiai_insurer(prefecture: str, society: int) -> str:
    return with_check_digit(f"06{prefecture}{society % 1000:03d}")


def kyosai_insurer(prefecture: str, society: int) -> str:
    return with_check_digit(f"{31 + society % 4}{prefecture}{society % 1000:03d}")


def kokuho_insurer(address: Address) -> str:
    """The municipality's 国保 number: prefecture + 3-digit municipality + check."""
    return with_check_digit(f"{address.prefecture_code}1{address.city_number}")


def kouki_insurer(address: Address) -> str:
    return with_check_digit(f"39{address.prefecture_code}1{address.city_number}")


def employee_insurer(kind: str, prefecture: str, rng: random.Random) -> str:
    if kind == "kyokai":
        return kyokai_insurer(prefecture)
    society = rng.randrange(1, 400)
    return (
        kumiai_insurer(prefecture, society)
        if kind == "kumiai"
        else kyosai_insurer(prefecture, society)
    )


def employee_symbol(kind: str, rng: random.Random) -> str:
    """記号: 協会けんぽ uses the office's 8-digit number; societies use shorter codes."""
    if kind == "kyokai":
        return f"{rng.randrange(10**7, 10**8)}"
    return f"{rng.randrange(1, 10**4):d}"


def household_number(rng: random.Random, digits: int = 6) -> str:
    return f"{rng.randrange(1, 10**digits):0{digits}d}"


def kokuho_symbol(address: Address, rng: random.Random) -> str:
    """国保 記号: municipalities use a short district code."""
    return f"{address.city_number}{rng.randrange(1, 100):02d}"


def kouki(address: Address, start: date, rng: random.Random) -> Coverage:
    number = f"{rng.randrange(10**7, 10**8)}"
    return Coverage("kouki", kouki_insurer(address), "", number, "00", True, start)


def public_expense(law: str, prefecture: str, rng: random.Random, label: str) -> PublicExpense:
    """公費負担者番号 (法別 2 + prefecture 2 + 3 + check) and a 7-digit 受給者番号."""
    payer = with_check_digit(f"{law}{prefecture}{rng.randrange(1, 1000):03d}")
    recipient = with_check_digit(f"{rng.randrange(10**5, 10**6)}")
    return PublicExpense(payer, recipient, label)
