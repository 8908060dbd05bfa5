"""The JSON form of one pushed item: a connector `Record`, checked field by field.

Pushed items then go through `normalise_record` like every connector's records, so the
same sanitising applies (HTML cleaned, unsafe links dropped). What this model adds is
what an API client can be told and can fix: wrong types, unknown fields, times without a
time zone, impossible dates, a service guide that does not fit the guide model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import Record, language_tag, plausible_time
from connectors.guide import ServiceGuide
from hall.catalog.models import CONTENT_TYPES

# The item table's language column is this wide.
MAX_LANGUAGE_CHARS = 16


class PushedItem(BaseModel):
    """One item as a department pushes it; the fields of `connectors.base.Record`."""

    # Unknown fields are refused: a misspelt field name must not vanish silently. Numeric
    # ids are common in content systems and mean the same as their text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    external_id: str = Field(
        min_length=1,
        max_length=500,
        description="Stable id of the item at its source; pushing it again updates it.",
    )
    title: str = Field(min_length=1, description="Plain text.")
    kind: Literal["content", "service"] = "content"
    content_type: str | None = Field(
        None,
        description="For content: " + ", ".join(CONTENT_TYPES) + "; other values become other.",
    )
    url: str | None = Field(
        None, description="The item at its source; kept only when it is an http(s) address."
    )
    summary: str | None = Field(None, description="HTML or text; sanitised.")
    body_html: str | None = Field(None, description="HTML; sanitised (scripts, styles removed).")
    language: str | None = Field(None, description="BCP 47 tag such as zh-CN or en.")
    tags: list[str] = Field(default_factory=list, max_length=100)
    published_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with a time zone, from 1990 up to two days ahead."
    )
    updated_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with a time zone, from 1990 up to two days ahead."
    )
    guide: ServiceGuide | None = Field(None, description="The service guide; services only.")
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Source fields the record does not model; kept as is."
    )

    @field_validator("language")
    @classmethod
    def _language_is_a_tag(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        tag = language_tag(value)
        if tag is None or len(tag) > MAX_LANGUAGE_CHARS:
            raise ValueError("must be a language tag such as zh-CN or en")
        return tag

    @field_validator("published_at", "updated_at")
    @classmethod
    def _time_is_plausible(cls, value: AwareDatetime | None) -> AwareDatetime | None:
        # A connector drops such a time quietly; a pushing client is told, and can fix it.
        if value is not None and plausible_time(value) is None:
            raise ValueError("must lie between 1990 and two days from now")
        return value

    @model_validator(mode="after")
    def _guide_only_for_services(self) -> PushedItem:
        if self.guide is not None and self.kind != "service":
            raise ValueError("guide is given for services only (kind 'service')")
        return self

    def to_record(self) -> Record:
        """Return this item as the connector record the catalog stores."""
        guide = self.guide.model_dump(mode="json", exclude_none=True) if self.guide else None
        return Record(
            external_id=self.external_id,
            title=self.title,
            kind=self.kind,
            content_type=self.content_type,
            url=self.url,
            summary=self.summary,
            body_html=self.body_html,
            language=self.language,
            tags=list(self.tags),
            published_at=plausible_time(self.published_at),
            updated_at=plausible_time(self.updated_at),
            guide=guide,
            extra=dict(self.extra),
        )
