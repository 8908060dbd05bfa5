"""Health reports as CSV that spreadsheets open safely and read correctly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from hall.reports.health import AccountHealth

COLUMNS = (
    "department_id",
    "department_name",
    "sector",
    "account_id",
    "account_name",
    "platform",
    "filing_status",
    "status",
    "last_item_at",
    "days_since_last_item",
    "items_last_30_days",
    "interaction_ok",  # yes: works; no: none filed or fails; empty: cannot tell yet
    "channel_state",
    "channel_detail",
    "channel_checked_at",
    "connectors",
    "consecutive_failures",
    "last_error",
    "last_error_at",
    "last_success_at",
)

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV
# Injection"); department names and sync errors come from outside, so none may start so.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """Return the cell as text, with a leading apostrophe if it would start a formula."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%dT%H:%M:%SZ")  # health times are aware UTC
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_health_csv(healths: Iterable[AccountHealth], stream: TextIO) -> None:
    """Write a header and one row per account to a text stream opened with newline=""."""
    # The BOM is what makes Excel read the file as UTF-8, so Chinese names survive.
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for health in healths:
        writer.writerow(neutralise_cell(getattr(health, column)) for column in COLUMNS)


def health_csv_bytes(healths: Iterable[AccountHealth]) -> bytes:
    """Return the CSV as UTF-8 bytes with a BOM, for a download."""
    buffer = io.StringIO(newline="")
    write_health_csv(healths, buffer)
    return buffer.getvalue().encode("utf-8")
