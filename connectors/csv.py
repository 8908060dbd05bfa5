"""Service catalogues kept as spreadsheets, published as CSV at a URL.

Many departments keep their list of services (or notices) in a spreadsheet and publish
it as a CSV export: a header row naming the columns, then one row per item. The
config declares which column holds what (``mapping``: target → column header; the
targets are those of `connectors.mapping`: record fields, service-guide fields and
``extra:<name>``); ``external_id`` and ``title`` must be mapped. A typical catalogue::

    事项编码,事项名称,受理条件,申请材料,承诺时限,咨询电话,更新日期
    4403001170001,城乡居民养老保险参保登记,具有本市户籍;年满16周岁,居民身份证;户口簿,5个工作日,12333,2026年3月1日

with ``{"external_id": "事项编码", "title": "事项名称", "conditions": "受理条件",
"materials": "申请材料", "promised_time_limit": "承诺时限", "enquiry_phone": "咨询电话",
"updated_at": "更新日期"}``.

Reading the file
----------------
* Encoding: ``auto`` reads a UTF-8 or UTF-16 byte-order mark, else UTF-8, else
  GB18030 (what Excel on a Chinese Windows saves). The charset the server declares is
  ignored: exports are served with whatever the web server's default is, and bytes
  that are valid UTF-8 are almost never meant as anything else. GB18030 accepts many
  byte sequences that were never Chinese (Big5, Latin-1, Shift-JIS text), so a GB18030
  reading is kept only when it looks like mainland Chinese text (most of its non-ASCII
  characters in GB2312); otherwise the run fails with a `FetchError` saying so, rather
  than storing plausible-looking nonsense. A named encoding (``big5``, ``utf-8``, ...)
  is used strictly: bytes it cannot decode fail the run with their position. ``gb2312``
  and ``gbk`` are read as GB18030, their superset, since files labelled so routinely
  hold characters outside them.
* ``delimiter`` (one character; ``\\t`` or ``tab`` for tab-separated exports) and the
  standard CSV quoting of the stdlib `csv` module; cells may span lines.
* The header is the first row that holds every mapped column, searched among the
  first ten non-empty rows: Chinese spreadsheets often carry a title row (深圳市政务
  服务事项目录) above it. Header names are matched exactly after trimming, else
  ignoring case, spaces and full-width forms. When no row holds them all, the run
  fails with a `FetchError` listing the mapped columns missing from (or named twice
  in) the first row, and the header it has: a config problem the department can fix.
  Unknown targets are refused earlier, by config validation.

Rows
----
* Rows are numbered as a spreadsheet shows them: the file's first row is row 1. Empty
  rows are skipped. A row with more or fewer cells than the header (extra empty cells at the end
  do not count), without external_id or title, or repeating an earlier external_id, is
  skipped with a `RecordError` naming its row; the other rows are kept.
* A cell that cannot be used for its target (a date that is no date, a URL that is not
  http(s)) is left out and the row kept, with a `RecordError` (``skipped=False``).
* ``body`` is plain text: escaped, one paragraph per line. Cells are never evaluated:
  ``=HYPERLINK(...)`` is the text it shows.
* Lists (``tags``, ``conditions``, ``materials``, ...) are split on ``list_separator``
  (and its full-width form). Dates: ISO 8601 and Chinese forms (see
  `connectors.mapping.parse_time`).
* Every column the mapping does not use goes to ``extra["columns"]`` (header → cell,
  non-empty cells only), so nothing in the sheet is lost.

The catalogue is the whole listing (``complete=True``), except when the CSV structure
itself is broken (an unclosed quote, text after a closing quote): that stretch is a
`RecordError` and, since rows after it may have been swallowed, the listing is marked
incomplete so nothing is retired because of it. Cursor: the response's validators; a
304 answers ``not_modified``.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from connectors.base import (
    ConfigError,
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
    SampleSource,
    check_language_tag,
    clean_text,
)
from connectors.http import Response, looks_chinese, redact_url
from connectors.mapping import (
    EXTRA_PREFIX,
    RecordBuilder,
    UnusableItemError,
    check_kind,
    check_mapping,
)

AUTO = "auto"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "utf-8": "utf-8-sig"}
_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t"}
# Chinese spreadsheets often put a title row (or a few) above the header.
HEADER_SEARCH_ROWS = 10


def _check_encoding(value: str) -> str | None:
    if value.lower() == AUTO:
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        return f'{value!r} is not an encoding Python knows; use "auto", "utf-8", "gb18030", ...'
    return None


def _check_delimiter(value: str) -> str | None:
    if len(_DELIMITER_NAMES.get(value, value)) != 1 or value in ('"', "\r", "\n"):
        return 'must be one character (or "\\t" for tab), not a quote or line break'
    return None


def _check_csv_mapping(mapping: dict[str, Any]) -> str | None:
    if message := check_mapping(mapping):
        return message
    extra_names = {t[len(EXTRA_PREFIX) :].strip() for t in mapping if t.startswith(EXTRA_PREFIX)}
    if "columns" in extra_names:
        return "extra:columns is where unmapped columns are kept; choose another name"
    return None


class CsvConnector(Connector):
    """Read a spreadsheet published as CSV, with a declared column mapping."""

    type = "csv"
    label = "Spreadsheet (CSV)"
    description = "Services or notices listed in a spreadsheet published as a CSV file."
    fields = (
        Field(
            "url", "url", "CSV file URL", required=True, help="Where the CSV export is published."
        ),
        Field(
            "mapping",
            "dict",
            "Column mapping",
            required=True,
            validate=_check_csv_mapping,
            help=(
                'Target → column header, e.g. {"external_id": "事项编码", "title": '
                '"事项名称"}. Targets: record fields, service-guide fields, extra:<name>.'
            ),
        ),
        Field(
            "kind",
            "str",
            "Kind of items",
            default="service",
            choices=("content", "service"),
            help="service: each row is a service with a guide; content: notices and the like.",
        ),
        Field(
            "encoding",
            "str",
            "Encoding",
            default=AUTO,
            validate=_check_encoding,
            help='"auto" reads UTF-8 (with or without BOM) and GB18030; or name one.',
        ),
        Field(
            "delimiter",
            "str",
            "Delimiter",
            default=",",
            validate=_check_delimiter,
            help='The character between cells: "," or ";" or "\\t" (tab).',
        ),
        Field(
            "list_separator",
            "str",
            "List separator",
            default=";",
            help="Splits cells of list fields (tags, conditions, materials, ...).",
        ),
        Field(
            "language",
            "str",
            "Language",
            validate=check_language_tag,
            help="Used where the sheet maps no language column.",
        ),
    )

    @classmethod
    def validate_config(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Return the checked config; guide fields need kind "service"."""
        config = super().validate_config(raw)
        if message := check_kind(config["mapping"], config["kind"]):
            raise ConfigError({"mapping": message})
        return config

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return a three-service catalogue in Chinese, as Excel saves it (UTF-8 with BOM)."""
        url = base_url.rstrip("/") + "/catalogue.csv"
        return SampleSource(
            config={"url": url, "mapping": dict(_SAMPLE_MAPPING), "language": "zh-CN"},
            documents={"/catalogue.csv": ("text/csv", codecs.BOM_UTF8 + _SAMPLE_CSV.encode())},
            expected=3,
        )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Fetch the CSV file and turn its rows into records."""
        response = context.http.get(self.config["url"], conditional=context.cursor)
        if response.not_modified:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        text = decode_csv(response, self.config["encoding"])
        rows = _rows(text, _DELIMITER_NAMES.get(self.config["delimiter"], self.config["delimiter"]))
        sheet = _find_header(rows, self.config["mapping"], response.url)
        builder = RecordBuilder(
            kind=self.config["kind"],
            base_url=response.url,
            language=self.config["language"],
            list_separator=self.config["list_separator"],
            body_is_text=True,
        )
        records: list[Record] = []
        errors: list[RecordError] = []
        first_row_of: dict[str, int] = {}
        complete = True
        for number, cells in rows:
            if isinstance(cells, _BrokenCsvError):
                # Rows after a broken quote may be lost inside it: not a whole listing.
                errors.append(RecordError(f"row {number}: {cells}"))
                complete = False
                continue
            if not any(cell.strip() for cell in cells):
                continue
            try:
                built = builder.build(sheet.values(cells))
            except _BadRowError as exc:
                errors.append(RecordError(f"row {number}: {exc}"))
                continue
            except UnusableItemError as exc:
                errors.append(RecordError(f"row {number}: {exc}", exc.external_id))
                continue
            record = built.record
            if (first := first_row_of.setdefault(record.external_id, number)) != number:
                errors.append(
                    RecordError(
                        f"row {number}: repeats the external_id of row {first}", record.external_id
                    )
                )
                continue
            if unmapped := sheet.unmapped(cells):
                record.extra["columns"] = unmapped
            errors.extend(
                RecordError(f"row {number}: {problem}", record.external_id, skipped=False)
                for problem in built.problems
            )
            records.append(record)
        return FetchResult(
            records=records, cursor=response.validators(), complete=complete, errors=errors
        )


class _BadRowError(Exception):
    """The row's cells do not line up with the header."""


class _BrokenCsvError(Exception):
    """The CSV structure itself is broken here (an unclosed or stray quote)."""


class _HeaderError(Exception):
    """A row is not the header the mapping needs."""


def _find_header(
    rows: Iterator[tuple[int, list[str] | _BrokenCsvError]], mapping: dict[str, str], url: str
) -> _Sheet:
    """Return the sheet whose header is the first row holding every mapped column."""
    where = redact_url(url)
    first_problem: _HeaderError | None = None
    searched = 0
    for number, cells in rows:
        if isinstance(cells, _BrokenCsvError):
            raise FetchError(f"{where}: row {number}, before the header: {cells}")
        if not any(cell.strip() for cell in cells):
            continue
        try:
            return _Sheet(cells, mapping)
        except _HeaderError as exc:
            first_problem = first_problem or exc
        searched += 1
        if searched >= HEADER_SEARCH_ROWS:
            break
    if first_problem is None:
        raise FetchError(f"{where}: the file is empty (no header row)")
    raise FetchError(f"{where}: {first_problem}")


class _Sheet:
    """The header of one CSV file, and how its mapping finds the cells of a row."""

    def __init__(self, header: list[str], mapping: dict[str, str]):
        self.names = [name.strip() for name in header]
        self.width = len(self.names)
        missing: list[str] = []
        twice: list[str] = []
        self.columns: dict[str, int] = {}
        for target, column in mapping.items():
            found = _find_column(self.names, column.strip())
            if not found:
                missing.append(column)
            elif len(found) > 1:
                twice.append(column)
            else:
                self.columns[target] = found[0]
        problems = []
        if missing:
            problems.append("columns missing from the header: " + ", ".join(dict.fromkeys(missing)))
        if twice:
            problems.append("columns named more than once: " + ", ".join(dict.fromkeys(twice)))
        if problems:
            raise _HeaderError("; ".join(problems) + "; the header has: " + ", ".join(self.names))
        used = set(self.columns.values())
        self.unmapped_columns = [
            (i, _column_key(self.names, i)) for i in range(self.width) if i not in used
        ]

    def values(self, cells: list[str]) -> dict[str, str]:
        """Return target → cell for one row; raise _BadRowError when it does not fit."""
        if len(cells) > self.width and not any(cell.strip() for cell in cells[self.width :]):
            cells = cells[: self.width]  # trailing empty cells: an editor's stray commas
        if len(cells) != self.width:
            raise _BadRowError(f"has {len(cells)} cells where the header has {self.width}")
        return {target: cells[index] for target, index in self.columns.items()}

    def unmapped(self, cells: list[str]) -> dict[str, str]:
        """Return header → cell for the non-empty cells no target uses."""
        found = {}
        for index, key in self.unmapped_columns:
            if index < len(cells) and (text := clean_text(cells[index])):
                found[key] = text
        return found


def _find_column(names: list[str], column: str) -> list[int]:
    exact = [i for i, name in enumerate(names) if name == column]
    if exact:
        return exact
    wanted = _loose(column)
    return [i for i, name in enumerate(names) if _loose(name) == wanted]


def _loose(name: str) -> str:
    # Hand-typed headers differ from the mapping in spaces, case and full-width forms:
    # "PREFIX/ FORM TYPE", "承诺时限（工作日）" for "承诺时限(工作日)".
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _column_key(names: list[str], index: int) -> str:
    name = names[index]
    if not name:
        return f"column {index + 1}"
    if names.count(name) > 1:
        return f"{name} (column {index + 1})"
    return name


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | _BrokenCsvError]]:
    """Yield (spreadsheet row number, cells); a stretch the reader cannot parse as an error."""
    # strict: an unclosed quote is reported instead of silently swallowing later rows.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, _BrokenCsvError(f"unreadable CSV near line {reader.line_num} ({exc})")
            continue
        yield number, cells


# -------------------------------------------------------------------------- encoding


def decode_csv(response: Response, encoding: str) -> str:
    """Return the body as text in `encoding` ("auto": BOM, UTF-8, GB18030); else FetchError."""
    content = response.content
    where = redact_url(response.url)
    if encoding.lower() != AUTO:
        name = codecs.lookup(encoding).name
        name = _SUPERSETS.get(name, name)
        try:
            return content.decode(name)
        except UnicodeDecodeError as exc:
            raise FetchError(
                f"{where}: the file is not valid {encoding}: {_undecodable(exc)}; "
                'set encoding to the one the file was saved in, or "auto"'
            ) from None
    for bom, name in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(name)
            except UnicodeDecodeError as exc:
                raise FetchError(
                    f"{where}: the file starts with a {name} byte-order mark "
                    f"but is not valid {name}: {_undecodable(exc)}"
                ) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = _undecodable(exc)
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        raise FetchError(
            f"{where}: the file is neither UTF-8 ({utf8_error}) nor GB18030; "
            "save it as UTF-8, or set encoding to the one it was saved in"
        ) from None
    if not looks_chinese(text):
        raise FetchError(
            f"{where}: the file is not UTF-8 ({utf8_error}) and read as GB18030 it is not "
            "Chinese text; save it as UTF-8, or set encoding (big5, latin-1, ...)"
        )
    return text


def _undecodable(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return f"byte 0x{byte} at position {exc.start}"


# --------------------------------------------------------------------------- sample

_SAMPLE_MAPPING = {
    "external_id": "事项编码",
    "title": "事项名称",
    "summary": "事项简介",
    "implementing_body": "实施主体",
    "conditions": "受理条件",
    "materials": "申请材料",
    "promised_time_limit": "承诺时限",
    "fee": "是否收费",
    "enquiry_phone": "咨询电话",
    "themes": "主题分类",
    "online_url": "网办地址",
    "updated_at": "更新日期",
}
_SAMPLE_CSV = """\
事项编码,事项名称,事项简介,实施主体,受理条件,申请材料,承诺时限,是否收费,咨询电话,主题分类,网办地址,更新日期,备注
440300-001,城乡居民基本养老保险参保登记,未参加职工养老保险的城乡居民办理参保登记。,市社会保险基金管理局,具有本市户籍;年满16周岁,居民身份证;户口簿,5个工作日,否,12333,社会保障,https://www.gdzwfw.gov.cn/portal/guide/440300-001,2026年3月1日,
440300-002,生育登记,"夫妻办理生育登记，
可在网上办理。",市卫生健康委员会,已婚夫妻,结婚证;居民身份证,1个工作日,否,12320,生育收养,https://www.gdzwfw.gov.cn/portal/guide/440300-002,2026/02/15,全市通办
440300-003,住房公积金提取（租房）,职工租房自住提取住房公积金。,市住房公积金管理中心,无自有住房;连续缴存满3个月,居民身份证；租赁合同,3个工作日,否,12329,住房保障,https://www.gdzwfw.gov.cn/portal/guide/440300-003,2026-01-20,
"""
