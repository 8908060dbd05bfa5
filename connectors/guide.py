"""The service guide (办事指南): the national service-guide fields a service carries.

Connectors fill `Record.guide` with a mapping of these field names; the sync runner
validates it with `ServiceGuide.from_source`, which keeps every field the model does not
know in `extra` rather than dropping it. Field names follow the national data-exchange
tables (see DOMAIN.md), in English.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Audience = Literal["individual", "business"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Material(_Part):
    """申请材料: one document the applicant brings."""

    name: str
    necessity: Literal["required", "optional", "deferrable"] = "required"
    form: Literal["original", "copy", "original_and_copy"] | None = None
    medium: Literal["paper", "electronic", "paper_or_electronic"] | None = None
    copies: int | None = Field(default=None, ge=0)
    source: str | None = None  # who issues it: the applicant, or a named department
    blank_form_url: str | None = None
    sample_url: str | None = None
    note: str | None = None

    @property
    def required(self) -> bool:
        return self.necessity == "required"


class ProcessStep(_Part):
    """办理流程: one step of handling."""

    name: str
    handler: str | None = None
    time_limit: str | None = None
    result: str | None = None
    description: str | None = None


class TimeLimit(_Part):
    """法定 / 承诺办结时限."""

    value: int = Field(ge=0)
    unit: Literal["working_days", "days", "hours", "minutes"] = "working_days"


class FeeItem(_Part):
    name: str
    standard: str | None = None
    basis: str | None = None


class Fee(_Part):
    """是否收费 and the fee items; `charged=False` is said explicitly, never left blank."""

    charged: bool
    items: list[FeeItem] = []


class ServicePoint(_Part):
    """办理地点: a place where the service is handled in person."""

    name: str
    address: str | None = None
    window: str | None = None
    hours: str | None = None
    phone: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Question(_Part):
    question: str
    answer: str


class ServiceGuide(BaseModel):
    """Every modelled guide field; all optional, since sources send what they have."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item_code: str | None = None  # 实施编码
    catalog_code: str | None = None  # 基本编码
    item_type: str | None = None  # 行政许可, 公共服务, ...
    exercise_level: str | None = None  # national ... village
    implementing_body: str | None = None  # 实施主体
    implementing_body_code: str | None = None  # 统一社会信用代码
    audience: list[Audience] = []
    themes: list[str] = []
    legal_basis: list[str] = []
    conditions: list[str] = []
    materials: list[Material] = []
    process: list[ProcessStep] = []
    handling_type: Literal["on_the_spot", "promised"] | None = None  # 即办件 / 承诺件
    statutory_time_limit: TimeLimit | None = None
    promised_time_limit: TimeLimit | None = None
    visits: int | None = Field(default=None, ge=0)  # 到办事现场次数
    fee: Fee | None = None
    online_url: str | None = None
    mobile_url: str | None = None
    online_payment: bool | None = None
    payment_url: str | None = None
    scope: str | None = None  # 通办范围
    result: str | None = None  # 审批结果
    service_points: list[ServicePoint] = []
    enquiry_phone: str | None = None
    complaint_phone: str | None = None
    faq: list[Question] = []

    @field_validator("item_code", "catalog_code", mode="before")
    @classmethod
    def _codes_stay_text(cls, value: Any) -> Any:
        # "001" must stay "001": codes are identifiers, never numbers.
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @classmethod
    def from_source(cls, data: dict[str, Any]) -> tuple[ServiceGuide, dict[str, Any]]:
        """Validate `data`; return the guide and the fields it does not model.

        A field whose value is invalid is moved to the returned extras (with the
        reason under ``_invalid``) instead of failing the whole item.
        """
        known = {k: v for k, v in data.items() if k in cls.model_fields and v is not None}
        extra = {k: v for k, v in data.items() if k not in cls.model_fields}
        invalid: dict[str, str] = {}
        while True:
            try:
                return cls.model_validate(known), _with_invalid(extra, invalid)
            except ValidationError as exc:
                bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
                if not bad or not bad & known.keys():
                    raise
                for name in bad & known.keys():
                    invalid[name] = "; ".join(
                        err["msg"] for err in exc.errors() if err["loc"] and err["loc"][0] == name
                    )
                    extra[name] = known.pop(name)


def _with_invalid(extra: dict[str, Any], invalid: dict[str, str]) -> dict[str, Any]:
    if invalid:
        extra = {**extra, "_invalid": invalid}
    return extra
