from datetime import UTC, date, datetime

from hall.workdays import add_working_days, china_date, is_working_day, working_days_between


def test_national_day_holiday_is_not_a_working_day():
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 9, 30))


def test_weekend_days_worked_in_exchange_count():
    # 2026-10-10 (a Saturday) is worked in exchange for the National Day holiday.
    assert date(2026, 10, 10).weekday() == 5
    assert is_working_day(date(2026, 10, 10))


def test_years_beyond_the_calendar_fall_back_to_monday_to_friday():
    assert is_working_day(date(2031, 3, 3))  # a Monday
    assert not is_working_day(date(2031, 3, 1))  # a Saturday


def test_two_working_days_after_a_friday_is_the_tuesday():
    assert add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)


def test_working_days_across_the_national_day_holiday():
    # The 2026 National Day holiday runs 1–7 October; the 8th and 9th are working days.
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == 0


def test_china_date_of_a_late_utc_evening_is_the_next_day():
    assert china_date(datetime(2026, 11, 27, 17, 0, tzinfo=UTC)) == date(2026, 11, 28)
