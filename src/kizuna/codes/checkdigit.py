"""Check digits of Japanese insurer numbers (保険者番号) and facility codes (医療機関コード).

The rule is a weighted digit sum, modulus 10: walk the digits before the check digit from
the right with weights 2, 1, 2, 1, ...; add the digits of each product (14 counts 1+4);
the check digit is (10 - sum mod 10) mod 10.
"""

from __future__ import annotations


def mod10_w21(digits: str) -> int:
    """The check digit for ``digits`` (the digits before the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def insurer_number_valid(number: str) -> bool:
    """A 6-digit (国保) or 8-digit insurer number whose last digit checks."""
    if len(number) not in (6, 8) or not number.isascii() or not number.isdigit():
        return False
    return mod10_w21(number[:-1]) == int(number[-1])


def facility_code_valid(code: str) -> bool:
    """A 10-digit facility code: prefecture (2) + table (1) + 7-digit code.

    The 7-digit code is 郡市区番号 (2) + 医療機関番号 (4) + check digit, and the check digit
    is computed over the nine digits before it, prefecture and table included (the
    published example 0110113719 checks; JP-CLINS's placeholder 1318814790 does not).
    Table numbers: 1 medical (医科), 3 dental (歯科), 4 pharmacy (調剤).
    """
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return False
    if not 1 <= int(code[:2]) <= 47 or code[2] not in "134":
        return False
    return mod10_w21(code[:9]) == int(code[9])


def receipt_facility_code(prefecture: str, table: str, code7: str) -> str:
    """The 10-digit code from a receipt's IR record fields (prefecture, table, 7 digits)."""
    return f"{int(prefecture):02d}{table}{code7}"


def with_check_digit(digits: str) -> str:
    """``digits`` followed by its check digit (used to generate valid codes)."""
    return digits + str(mod10_w21(digits))
