"""Unified social credit codes (GB 32100-2015): what is accepted, and why the rest is not."""

from __future__ import annotations

import pytest

from hall.directory.credit_codes import (
    CHARSET,
    WRONG_CHARACTER,
    WRONG_CHECK_CHARACTER,
    WRONG_LENGTH,
    WRONG_ORGANISATION_CHECK,
    WRONG_REGION,
    CreditCodeError,
    check_credit_code,
    complete_credit_code,
)

# The standard's own example, and codes printed on the business licences of two companies.
VALID = ("91350100M000100Y43", "91440300708461136T", "91330100716105852F")


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code):
    assert check_credit_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "91350100m000100y43",
        " 91350100M000100Y43 ",
        "9135 0100 M000 100Y 43",
        "９１３５０１００Ｍ０００１００Ｙ４３",  # typed with a full-width input method
    ],
)
def test_case_spaces_and_full_width_characters_are_normalised(typed):
    assert check_credit_code(typed) == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", WRONG_LENGTH),
        ("91350100M000100Y4", WRONG_LENGTH),
        ("91350100M000100Y433", WRONG_LENGTH),
        ("91350100M0001O0Y43", WRONG_CHARACTER),  # the letter O typed for a zero
        ("91350100M000100I43", WRONG_CHARACTER),
        ("91350100S000100Y43", WRONG_CHARACTER),
        ("9135-100M000100Y43", WRONG_CHARACTER),
        ("913501A0M000100Y43", WRONG_REGION),
        ("91350100M000100X43", WRONG_ORGANISATION_CHECK),  # characters 9-17 do not check
        ("91350100M000100Y44", WRONG_CHECK_CHARACTER),
        ("91350100M000101Y43", WRONG_ORGANISATION_CHECK),
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, message):
    with pytest.raises(CreditCodeError) as caught:
        check_credit_code(code)

    assert str(caught.value) == message


def test_any_single_mistyped_character_is_caught():
    code = VALID[0]
    for position, right in enumerate(code):
        for wrong in CHARSET:
            if wrong != right:
                typo = code[:position] + wrong + code[position + 1 :]
                with pytest.raises(CreditCodeError):
                    check_credit_code(typo)


def test_swapped_neighbours_are_caught():
    code = VALID[1]
    for position in range(17):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code:
            with pytest.raises(CreditCodeError):
                check_credit_code(swapped)


def test_complete_credit_code_adds_both_check_characters():
    assert complete_credit_code("91350100M000100Y") == VALID[0]
    assert complete_credit_code("91440300708461136T"[:16]) == VALID[1]
    # An organisation code whose check digit is X (value 10) is written with an X.
    built = [complete_credit_code(f"11339901MB{n:06d}") for n in range(40)]
    assert any(code[16] == "X" for code in built)
    assert all(check_credit_code(code) == code for code in built)


def test_the_demo_county_files_its_accounts_with_valid_codes():
    from hall.demo.imports import import_data

    accounts = import_data("http://127.0.0.1:1")["accounts"]

    assert all("青山县" in account["host_unit"] for account in accounts)
    codes = [account["host_unit_credit_code"] for account in accounts]
    assert [check_credit_code(code) for code in codes] == codes
