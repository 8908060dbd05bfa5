"""The 18-character unified social credit code (统一社会信用代码) of GB 32100-2015.

    position  1     2     3–8          9–16                 17                  18
              reg.  type  region code  organisation code    its check (GB 11714) check character

The code uses the digits and the capital letters except I, O, Z, S and V (31 characters,
valued 0–30 in that order). Two checks catch most typing errors:

- the organisation code (positions 9–17) carries its own GB 11714-1997 check: weights
  3, 7, 9, 10, 5, 8, 4, 2 on its first eight characters (digits are their value, letters
  A=10 … Z=35), check = 11 − (sum mod 11), written 0–9, or X for 10, or 0 for 11;
- the last character checks the first seventeen: weights 3^(i−1) mod 31, i = 1…17, check
  = 31 − (sum mod 31), written as the character of that value (0 for 31).

The messages are fixed English sentences, so pages can show them translated (hall/i18n.py).
"""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

WRONG_LENGTH = "A unified social credit code has 18 characters."
WRONG_CHARACTER = (
    "A unified social credit code uses digits and capital letters other than I, O, Z, S and V."
)
WRONG_REGION = "Characters 3 to 8 of a unified social credit code are a region code of six digits."
WRONG_ORGANISATION_CHECK = (
    "The check digit of the organisation code (character 17) does not match; check the code."
)
WRONG_CHECK_CHARACTER = "The last character (the check character) does not match; check the code."
MESSAGES = (
    WRONG_LENGTH,
    WRONG_CHARACTER,
    WRONG_REGION,
    WRONG_ORGANISATION_CHECK,
    WRONG_CHECK_CHARACTER,
)


class CreditCodeError(ValueError):
    """A text that is not a valid unified social credit code; the message says why."""


def normalise_credit_code(text: str) -> str:
    """Return the code in capitals without spaces (full-width characters folded); unchecked."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def check_credit_code(text: str) -> str:
    """Return the normalised code if it is valid; raise CreditCodeError saying what is wrong."""
    code = normalise_credit_code(text)
    if len(code) != 18:
        raise CreditCodeError(WRONG_LENGTH)
    if any(char not in CHARSET for char in code):
        raise CreditCodeError(WRONG_CHARACTER)
    if not code[2:8].isdigit():
        raise CreditCodeError(WRONG_REGION)
    if code[16] != organisation_check_digit(code[8:16]):
        raise CreditCodeError(WRONG_ORGANISATION_CHECK)
    if code[17] != check_character(code[:17]):
        raise CreditCodeError(WRONG_CHECK_CHARACTER)
    return code


def organisation_check_digit(body: str) -> str:
    """Return the GB 11714 check digit of an 8-character organisation code body."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, ORGANISATION_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_character(first_seventeen: str) -> str:
    """Return the final check character of a code's first 17 characters."""
    total = sum(
        CHARSET.index(char) * w for char, w in zip(first_seventeen, CODE_WEIGHTS, strict=True)
    )
    return CHARSET[(31 - total % 31) % 31]


def complete_credit_code(first_sixteen: str) -> str:
    """Return a valid code from its first 16 characters, adding both check characters.

    For building codes (demo data, tests), not for accepting typed ones.
    """
    head = normalise_credit_code(first_sixteen)
    with_organisation_check = head + organisation_check_digit(head[8:16])
    return check_credit_code(with_organisation_check + check_character(with_organisation_check))
