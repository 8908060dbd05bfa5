"""What a hall's results page shows: intent tabs with counts, best bets, did-you-mean.

A citizen who types 社保 may want to do something (a service), to read something (a
notice), or to see whether someone asked already (a published Q&A). The tabs split the
same query by that intent; each shows its count, so an empty tab is never a surprise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app

from hall.exchange.services import Page, search_answers
from hall.halls.models import Hall
from hall.halls.services import HallSearchResult, SearchParams, search_hall

# Tab name -> the kind filter it applies (None: no filter), and its label (message id).
TABS: dict[str, tuple[str | None, str]] = {
    "all": (None, "All"),
    "services": ("service", "Services to do"),
    "notices": ("content", "Notices to read"),
    "answers": (None, "Answered questions"),
}
ANSWERS_TAB = "answers"


@dataclass(frozen=True)
class Tab:
    name: str
    label: str  # English message id, translated by the page
    count: int
    kind: str | None  # the kind filter its link sets (None: removes it)


@dataclass
class ResultsPage:
    """A results page: the hall search, the tabs, and the Q&A page when that tab is open."""

    result: HallSearchResult
    tabs: list[Tab]
    tab: str
    answers: Page | None  # the Q&A rows, only on the "answers" tab


def current_tab(params: SearchParams, tab: str | None) -> str:
    """Return the open tab: the answers tab if asked, else the one the kind filter means."""
    if tab == ANSWERS_TAB:
        return ANSWERS_TAB
    return next((name for name, (kind, _) in TABS.items() if kind == params.kind), "all")


def results_page(
    hall: Hall, params: SearchParams, language: str, *, tab: str | None, verbatim: bool
) -> ResultsPage:
    """Search a hall for its results page; `verbatim` turns off showing corrected results."""
    open_tab = current_tab(params, tab)
    page = params.page
    if open_tab == ANSWERS_TAB:
        # The page number is the answers'; the other tabs' counts need page 1 only.
        params = replace(params, page=1)
    result = search_hall(
        hall,
        params,
        language,
        spelling="suggest" if verbatim else "replace",
        best_bets=open_tab != ANSWERS_TAB,
    )
    text = result.corrected if result.showing_corrected else result.params.q
    answers = None
    if open_tab == ANSWERS_TAB:
        per_page = current_app.config["SEARCH_PER_PAGE"]
        answers = search_answers(hall.id, text or "", language, page=page, per_page=per_page)
        answered = answers.total
    else:
        answered = search_answers(hall.id, text or "", language, page=1, per_page=1).total
    kinds = {facet.value: facet.count for facet in result.facets.get("kind", [])}
    counts = {
        "all": sum(kinds.values()),
        "services": kinds.get("service", 0),
        "notices": kinds.get("content", 0),
        ANSWERS_TAB: answered,
    }
    tabs = [Tab(name, label, counts[name], kind) for name, (kind, label) in TABS.items()]
    return ResultsPage(result=result, tabs=tabs, tab=open_tab, answers=answers)
