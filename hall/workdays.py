"""Working days on China's official calendar, for filing deadlines and reply times.

chinesecalendar knows the State Council's holidays and the weekend days made working days
in exchange; for a year it does not know yet, Monday to Friday are working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")


def is_working_day(day: date) -> bool:
    """Tell whether `day` is a working day in China."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the calendar does not cover yet
        return day.weekday() < 5


def china_date(moment: datetime) -> date:
    """Return the date in China at an aware (or naive UTC) moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()


def add_working_days(start: date, days: int) -> date:
    """Return the date `days` working days after `start` (the start day itself not counted)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Count the working days after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
