"""The JSON API's request parameters and responses, as pydantic models.

Views validate with these models and answer with them, and hall/api/openapi.py builds the
OpenAPI document from them, so the documentation cannot drift from what the API does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationInfo, field_validator

from connectors.guide import ServiceGuide
from hall.catalog.models import KINDS, Item
from hall.directory.models import SECTORS, Account, Department
from hall.halls.models import Hall
from hall.halls.services import MAX_PAGE, HallSearchResult, ResultRow, SearchParams, http_url
from hall.ingest.schemas import PushedItem
from hall.ingest.services import MAX_PUSH_BYTES, MAX_PUSH_ITEMS, PushResult

Language = Literal["zh", "en"]
# Literal of a tuple is Literal of its members: the enums in the document follow the tables.
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Sector = Literal[tuple(SECTORS)]  # type: ignore[valid-type]


class QueryParams(BaseModel):
    """Query parameters of an endpoint: any parameter not declared here is refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LanguageParamsIn(QueryParams):
    lang: Language = Field("zh", description="Language of labels and department names.")


class SearchParamsIn(QueryParams):
    q: str = Field(
        "",
        description="Words to search for, Chinese or English; pinyin and abbreviations work. "
        "Empty lists everything, newest first.",
    )
    kind: Kind | None = Field(None, description="Only services, or only content (notices, news).")
    sector: Sector | None = Field(None, description="Only departments of this sector.")
    department: str | None = Field(None, max_length=64, description="Only this department (id).")
    account: str | None = Field(None, max_length=64, description="Only this account (id).")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int | None = Field(
        None,
        ge=1,
        description="Results per page: SEARCH_PER_PAGE if absent, at most SEARCH_MAX_PER_PAGE.",
    )
    lang: Language = Field("zh", description="Language of facet labels and department names.")

    @field_validator("per_page")
    @classmethod
    def _not_above_the_limit(cls, value: int | None, info: ValidationInfo) -> int | None:
        # The limit is a setting, so it comes in the validation context, not the model.
        limit = (info.context or {}).get("max_per_page")
        if value is not None and limit is not None and value > limit:
            raise ValueError(f"must be at most {limit}")
        return value

    def to_search_params(self) -> SearchParams:
        """Return these parameters as the search function takes them."""
        return SearchParams(
            q=self.q,
            kind=self.kind,
            sector=self.sector,
            department=self.department,
            account=self.account,
            page=self.page,
            per_page=self.per_page,
        )


class RefOut(BaseModel):
    id: str
    name: str


class FacetValueOut(BaseModel):
    value: str = Field(description="What to pass as the filter parameter.")
    label: str
    count: int


class FacetsOut(BaseModel):
    sector: list[FacetValueOut]
    department: list[FacetValueOut]
    kind: list[FacetValueOut]


class ChannelOut(BaseModel):
    id: int = Field(description="The copy's item id.")
    account: RefOut
    platform: str
    url: str | None
    page_url: str


class SearchResultOut(BaseModel):
    id: int
    kind: str
    content_type: str | None
    title: str = Field(description="Plain text.")
    snippet: str = Field(description="Plain text around the matched words; see `highlights`.")
    url: str | None = Field(description="The item at its source (http or https only).")
    page_url: str = Field(description="The item's page in this hall.")
    department: RefOut
    account: RefOut
    sector: str
    published_at: datetime | None = Field(description="ISO 8601, UTC.")
    channels: list[ChannelOut] = Field(
        default=[],
        description="The same notice on the department's other accounts in this hall.",
    )
    synced_at: datetime | None = Field(
        default=None,
        description="When the item was last confirmed at its source (its last change or its "
        "connector's last successful sync, whichever is later); ISO 8601, UTC.",
    )
    freshness: str = Field(
        default="",
        description='How fresh and from where, in `lang`: "2 小时前同步自县人社局网站", '
        '"synced 2 hours ago from …".',
    )

    @classmethod
    def from_row(cls, row: ResultRow, base_url: str) -> SearchResultOut:
        """Build from a result row; titles and snippets lose their <mark> tags."""
        return cls(
            id=row.id,
            kind=row.kind,
            content_type=row.content_type,
            title=row.title.striptags(),
            snippet=row.snippet.striptags(),
            url=row.source_url,
            page_url=urljoin(base_url, row.page_url),
            department=RefOut(id=row.department_id, name=row.department_name),
            account=RefOut(id=row.account_id, name=row.account_name),
            sector=row.sector,
            published_at=row.published_at,
            synced_at=row.synced_at,
            freshness=row.freshness,
            channels=[
                ChannelOut(
                    id=c.item_id,
                    account=RefOut(id=c.account_id, name=c.account_name),
                    platform=c.platform_label,
                    url=c.source_url,
                    page_url=urljoin(base_url, c.page_url),
                )
                for c in row.channels
            ],
        )


class SearchOut(BaseModel):
    total: int
    page: int
    per_page: int
    highlights: list[str] = Field(
        description="Query terms as matched; mark them in `title` and `snippet` to highlight."
    )
    corrected: str | None = Field(description="A suggested spelling of `q`, when it found little.")
    recommended: list[SearchResultOut] = Field(
        default=[],
        description="Items the hall's administrators pinned for this query (page 1 only); "
        "`results` does not repeat them.",
    )
    results: list[SearchResultOut]
    facets: FacetsOut

    @classmethod
    def from_result(cls, result: HallSearchResult, base_url: str) -> SearchOut:
        """Build from a hall search result."""
        facets = {
            name: [FacetValueOut(value=f.value, label=f.label, count=f.count) for f in values]
            for name, values in result.facets.items()
        }
        return cls(
            total=result.total,
            page=result.page,
            per_page=result.per_page,
            highlights=result.terms,
            corrected=result.corrected,
            recommended=[SearchResultOut.from_row(row, base_url) for row in result.recommended],
            results=[SearchResultOut.from_row(row, base_url) for row in result.rows],
            facets=FacetsOut(**facets),
        )


class HallOut(BaseModel):
    id: str
    title: str
    title_en: str | None
    region: str | None = Field(description="Administrative division code.")
    description: str | None
    description_en: str | None
    account_ids: list[str] = Field(description="Member accounts whose filing is approved.")
    department_ids: list[str]

    @classmethod
    def from_hall(cls, hall: Hall, accounts: list[Account]) -> HallOut:
        """Build from a hall and its public accounts."""
        return cls(
            id=hall.id,
            title=hall.title,
            title_en=hall.title_en,
            region=hall.region_code,
            description=hall.description,
            description_en=hall.description_en,
            account_ids=[account.id for account in accounts],
            department_ids=sorted({account.department_id for account in accounts}),
        )


class HallListOut(BaseModel):
    halls: list[HallOut]


class AccountOut(BaseModel):
    id: str
    name: str
    platform: str
    url: str | None

    @classmethod
    def from_account(cls, account: Account) -> AccountOut:
        """Build from an account."""
        return cls(
            id=account.id, name=account.name, platform=account.platform, url=http_url(account.url)
        )


class DepartmentOut(BaseModel):
    id: str
    name: str
    name_en: str | None
    short_name: str | None
    aliases: list[str]
    sector: str
    sector_label: str
    accounts: list[AccountOut] = Field(description="Accounts whose filing is approved.")

    @classmethod
    def from_department(cls, department: Department, language: str) -> DepartmentOut:
        """Build from a department; only its approved accounts are listed."""
        return cls(
            id=department.id,
            name=department.name,
            name_en=department.name_en,
            short_name=department.short_name,
            aliases=list(department.aliases or []),
            sector=department.sector,
            sector_label=department.sector_label(language),
            accounts=[
                AccountOut.from_account(account)
                for account in department.accounts
                if account.filing_status == "approved"
            ],
        )


class DepartmentListOut(BaseModel):
    departments: list[DepartmentOut]


class ItemOut(BaseModel):
    id: int
    kind: str
    content_type: str | None
    title: str
    summary: str | None
    body_html: str | None = Field(description="Sanitised HTML of the body.")
    body_text: str | None
    url: str | None = Field(description="The item at its source (http or https only).")
    page_url: str
    language: str | None
    department: RefOut
    account: RefOut
    sector: str
    tags: list[str]
    published_at: datetime | None = Field(description="ISO 8601, UTC.")
    updated_at: datetime | None
    first_seen_at: datetime
    changed_at: datetime
    guide: ServiceGuide | None = Field(description="The service guide; null for content.")

    @classmethod
    def from_item(cls, item: Item, page_url: str, language: str) -> ItemOut:
        """Build from an item and the absolute address of its page."""
        department = item.account.department
        return cls(
            id=item.id,
            kind=item.kind,
            content_type=item.content_type,
            title=item.title,
            summary=item.summary,
            body_html=item.body_html,
            body_text=item.body_text,
            url=http_url(item.url),
            page_url=page_url,
            language=item.language,
            department=RefOut(id=department.id, name=department.display_name(language)),
            account=RefOut(id=item.account.id, name=item.account.name),
            sector=department.sector,
            tags=list(item.tags or []),
            published_at=item.published_at,
            updated_at=item.updated_at,
            first_seen_at=item.first_seen_at,
            changed_at=item.changed_at,
            guide=item.service_guide,
        )


class PushItemsIn(BaseModel):
    """The body of a push: the items to add or update."""

    model_config = ConfigDict(extra="forbid")

    # Each item is validated on its own by the push, so one bad item is reported in the
    # answer instead of refusing the batch; the document still shows the item schema.
    items: list[SkipValidation[PushedItem]] = Field(
        min_length=1,
        max_length=MAX_PUSH_ITEMS,
        description=f"At most {MAX_PUSH_ITEMS} items, in a body of at most "
        f"{MAX_PUSH_BYTES // 2**20} MiB.",
    )


class PushedItemResultOut(BaseModel):
    index: int = Field(description="Position of the item in the request's `items`.")
    external_id: str | None
    status: Literal["added", "updated", "unchanged", "failed"]
    reason: str | None = Field(description="Why the item failed; null otherwise.")


class PushItemsOut(BaseModel):
    """What a push did: counts by status, and one result per item, in request order."""

    run_id: int = Field(description="The sync run recording this push.")
    added: int
    updated: int
    unchanged: int
    failed: int
    results: list[PushedItemResultOut]

    @classmethod
    def from_result(cls, result: PushResult) -> PushItemsOut:
        """Build from a push result."""
        return cls(
            run_id=result.run_id,
            added=result.added,
            updated=result.updated,
            unchanged=result.unchanged,
            failed=result.failed,
            results=[
                PushedItemResultOut(
                    index=r.index, external_id=r.external_id, status=r.status, reason=r.reason
                )
                for r in result.results
            ],
        )


class ErrorDetailOut(BaseModel):
    field: str = Field(description="The parameter (or filter) at fault.")
    reason: str


class ErrorBodyOut(BaseModel):
    status: int
    message: str
    details: list[ErrorDetailOut] | dict[str, str] | None = None


class ErrorOut(BaseModel):
    """Every error answer: a status, a reason, and details when there are some."""

    error: ErrorBodyOut
