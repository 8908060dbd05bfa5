"""Health charts drawn on the server as inline SVG: no script, no external requests.

Every chart has role="img" with a <title> and a <desc> that says in words what the bars
show; every status has a pattern as well as a colour and is named in the legend, so
colour is never the only cue. All text from data is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from hall.reports.health import STATUSES, AccountHealth, WeekCount, status_label, summarise

# Status -> (fill, pattern). Each fill has at least 4.5:1 contrast with white, so the
# white counts on the bars and the bars on the white page both read.
STATUS_STYLES: dict[str, tuple[str, str]] = {
    "active": ("#1a7f37", "solid"),
    "warning": ("#9a6700", "stripes"),
    "inactive": ("#c9190b", "dots"),
    "dormant": ("#57606a", "crosshatch"),
    "suspended": ("#6639ba", "horizontal"),
    "closed": ("#24292f", "vertical"),
}
BAR_COLOUR = "#0b5cad"  # 6.6:1 on white
TEXT_COLOUR = "#1f2328"
WIDTH = 640
LABEL_WIDTH = 170
LABEL_CHARS = 12  # CJK characters that fit in LABEL_WIDTH at 12px
ROW_HEIGHT = 26
BAR_HEIGHT = 18
LEGEND_HEIGHT = 30

# Characters XML 1.0 forbids even when escaped; a name from a source may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class ChartIdError(ValueError):
    """A chart id is not a safe XML id."""


def status_bars(
    healths: Iterable[AccountHealth],
    *,
    title: str,
    language: str = "zh",
    chart_id: str = "health",
) -> Markup:
    """Draw one horizontal stacked bar of account statuses per department."""
    _check_id(chart_id)
    departments: dict[str, tuple[str, list[AccountHealth]]] = {}
    for health in healths:
        departments.setdefault(health.department_id, (health.department_name, []))[1].append(health)
    rows = [(name, summarise(members)) for name, members in departments.values()]
    widest = max((sum(counts.values()) for _, counts in rows), default=0)
    scale = (WIDTH - LABEL_WIDTH - 40) / widest if widest else 0
    height = LEGEND_HEIGHT + max(len(rows), 1) * ROW_HEIGHT + 8

    described = "; ".join(f"{name}: {_counts_in_words(counts, language)}" for name, counts in rows)
    parts = [
        _open(chart_id, title, described or _no_accounts(language), height),
        _patterns(chart_id),
    ]
    parts.append(
        _legend(chart_id, summarise(h for _, m in departments.values() for h in m), language)
    )
    if not rows:
        parts.append(_text(LABEL_WIDTH, LEGEND_HEIGHT + 16, _no_accounts(language)))
    for index, (name, counts) in enumerate(rows):
        y = LEGEND_HEIGHT + index * ROW_HEIGHT
        short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        parts.append(
            f"<g><title>{_clean(name)}: {_clean(_counts_in_words(counts, language))}</title>"
        )
        parts.append(_text(LABEL_WIDTH - 8, y + 13, short, anchor="end"))
        x = float(LABEL_WIDTH)
        for status, count in counts.items():
            if not count:
                continue
            width = count * scale
            label = f"{status_label(status, language)} {count}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="url(#{chart_id}-{status})" stroke="#ffffff" stroke-width="1">'
                f"<title>{_clean(label)}</title></rect>"
            )
            if width >= 8 * len(str(count)) + 6:
                parts.append(
                    _text(
                        x + width / 2,
                        y + 13,
                        str(count),
                        anchor="middle",
                        fill="#ffffff",
                        bold=True,
                    )
                )
            x += width
        parts.append(_text(x + 6, y + 13, str(sum(counts.values()))))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def weekly_bars(
    weeks: Sequence[WeekCount], *, title: str, language: str = "zh", chart_id: str = "weekly"
) -> Markup:
    """Draw a small bar chart of items per week, oldest week on the left."""
    _check_id(chart_id)
    height, top, plot = 170, 20, 110
    slot = (WIDTH - 20) / max(len(weeks), 1)
    highest = max((week.count for week in weeks), default=0)
    per_week = ", ".join(f"{week.start:%m-%d} {week.count}" for week in weeks)
    described = (
        f"每周新增条目（周起始日 数量）：{per_week}"
        if language != "en"
        else f"Items per week (week starting, count): {per_week}"
    )
    parts = [_open(chart_id, title, described, height)]
    baseline = top + plot
    parts.append(
        f'<line x1="10" y1="{baseline}" x2="{WIDTH - 10}" y2="{baseline}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    )
    for index, week in enumerate(weeks):
        x = 10 + index * slot
        bar = plot * week.count / highest if highest else 0
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{baseline - bar:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar:.1f}" fill="{BAR_COLOUR}"><title>{week.start:%Y-%m-%d}: '
            f"{week.count}</title></rect>"
        )
        parts.append(_text(x + slot / 2, baseline - bar - 4, str(week.count), anchor="middle"))
        parts.append(_text(x + slot / 2, baseline + 16, f"{week.start:%m-%d}", anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _check_id(chart_id: str) -> None:
    # The id is spliced into id= and url(#…): only a plain name is safe there.
    if not _CHART_ID.match(chart_id):
        raise ChartIdError(f"chart id {chart_id!r} must be a letter then letters, digits, - or _")


def _clean(text: str) -> str:
    """Return text escaped for SVG, without the characters XML cannot carry at all."""
    return str(escape(_NOT_XML.sub("", text)))


def _open(chart_id: str, title: str, description: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" '
        f'font-size="12">'
        f'<title id="{chart_id}-title">{_clean(title)}</title>'
        f'<desc id="{chart_id}-desc">{_clean(description)}</desc>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = TEXT_COLOUR,
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{weight}>'
        f"{_clean(text)}</text>"
    )


def _patterns(chart_id: str) -> str:
    """Define one fill per status: its colour, overlaid with its own light pattern."""
    marks = {
        "solid": "",
        "stripes": '<path d="M0 8 L8 0" stroke="#ffffff" stroke-opacity="0.45" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="1.5" fill="#ffffff" fill-opacity="0.55"/>',
        "crosshatch": (
            '<path d="M0 0 L8 8 M8 0 L0 8" stroke="#ffffff" stroke-opacity="0.4" stroke-width="1"/>'
        ),
        "horizontal": '<path d="M0 4 H8" stroke="#ffffff" stroke-opacity="0.45" stroke-width="2"/>',
        "vertical": '<path d="M4 0 V8" stroke="#ffffff" stroke-opacity="0.45" stroke-width="2"/>',
    }
    parts = ["<defs>"]
    for status, (colour, pattern) in STATUS_STYLES.items():
        parts.append(
            f'<pattern id="{chart_id}-{status}" width="8" height="8" '
            f'patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{colour}"/>'
            f"{marks[pattern]}</pattern>"
        )
    parts.append("</defs>")
    return "".join(parts)


def _legend(chart_id: str, totals: dict[str, int], language: str) -> str:
    parts = []
    slot = WIDTH / len(STATUSES)
    for index, (status, count) in enumerate(totals.items()):
        x = 4 + index * slot
        parts.append(
            f'<rect x="{x:.1f}" y="6" width="14" height="14" fill="url(#{chart_id}-{status})" '
            f'stroke="{TEXT_COLOUR}" stroke-width="0.5"/>'
        )
        parts.append(_text(x + 19, 17, f"{status_label(status, language)} {count}"))
    return "".join(parts)


def _counts_in_words(counts: dict[str, int], language: str) -> str:
    separator = ", " if language == "en" else "，"
    return separator.join(
        f"{status_label(status, language)} {count}" for status, count in counts.items() if count
    ) or _no_accounts(language)


def _no_accounts(language: str) -> str:
    return "no accounts" if language == "en" else "没有账号"
