from datetime import UTC, datetime

import pytest

from connectors.base import ConfigError, FetchError
from connectors.csv import CsvConnector
from connectors.guide import ServiceGuide
from connectors.http import HttpStatusError

from .servers import FIXTURES, Reply

CSV_FIXTURES = FIXTURES / "csv"
CSV = "text/csv"
SERVICES_MAPPING = {
    "external_id": "事项编码",
    "title": "事项名称",
    "implementing_body": "实施主体",
    "audience": "服务对象",
    "conditions": "受理条件",
    "materials": "申请材料",
    "statutory_time_limit": "法定时限",
    "promised_time_limit": "承诺时限",
    "handling_type": "办件类型",
    "visits": "到办事现场次数",
    "fee": "是否收费",
    "enquiry_phone": "咨询电话",
    "themes": "主题分类",
    "legal_basis": "设定依据",
    "online_url": "网办地址",
    "published_at": "发布日期",
    "updated_at": "更新日期",
}
BAD_ROWS_MAPPING = {
    "external_id": "事项编码",
    "title": "事项名称",
    "promised_time_limit": "承诺时限",
    "updated_at": "更新日期",
}


def fetch(make_context, url, cursor=None, **config):
    return CsvConnector({"url": url, **config}).fetch(make_context(cursor))


def serve(server, body, content_type=CSV, path="/catalogue.csv"):
    return server.route(path, Reply(headers={"Content-Type": content_type}, body=body))


def by_id(result):
    return {record.external_id: record for record in result.records}


def reasons(result):
    return [error.reason for error in result.errors]


# ------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "fixture", ["services_utf8.csv", "services_utf8_bom.csv", "services_gb18030.csv"]
)
def test_chinese_catalogues_read_alike_in_every_encoding(server, make_context, fixture):
    url = server.serve_file("/catalogue.csv", CSV_FIXTURES / fixture, CSV)
    result = fetch(make_context, url, mapping=SERVICES_MAPPING, language="zh-CN")
    assert list(by_id(result)) == ["440300-GA-001", "440300-RS-002", "440300-SJ-003"]
    assert result.complete and not result.errors
    card = by_id(result)["440300-GA-001"]
    assert (card.kind, card.title, card.language) == ("service", "居民身份证换领", "zh-CN")
    assert card.guide == {
        "implementing_body": "市公安局",
        "audience": ["individual"],
        "conditions": ["居民身份证有效期满", "居民身份证严重损坏"],
        "materials": [{"name": "居民身份证"}, {"name": "户口簿"}],
        "statutory_time_limit": {"value": 60, "unit": "working_days"},
        "promised_time_limit": {"value": 20, "unit": "working_days"},
        "handling_type": "promised",
        "visits": 1,
        "fee": {"charged": True},
        "enquiry_phone": "0755-84465000",
        "themes": ["证件办理"],
        "legal_basis": ["《中华人民共和国居民身份证法》第九条"],
        "online_url": "https://www.gdzwfw.gov.cn/portal/guide/440300-GA-001",
    }
    assert card.published_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert card.updated_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    # The one column the mapping leaves out is kept, GB18030's four-byte 𠮷 intact.
    assert card.extra == {"columns": {"备注": "姓名含生僻字（如“𠮷”）的请携带户口簿"}}


def test_catalogue_guides_validate_without_leftovers(server, make_context):
    url = server.serve_file("/catalogue.csv", CSV_FIXTURES / "services_utf8.csv", CSV)
    result = fetch(make_context, url, mapping=SERVICES_MAPPING)
    card, social, company = result.records
    assert ServiceGuide.from_source(card.guide)[1] == {}
    assert ServiceGuide.from_source(company.guide)[1] == {}
    # "即办" is no time limit: the runner keeps it in extra with the reason, not lost.
    guide, leftovers = ServiceGuide.from_source(social.guide)
    assert leftovers["promised_time_limit"] == "即办" and "_invalid" in leftovers
    assert guide.handling_type == "on_the_spot" and guide.fee.charged is False


def test_cells_are_split_read_and_resolved(server, make_context):
    url = server.serve_file("/sheets/catalogue.csv", CSV_FIXTURES / "services_utf8.csv", CSV)
    services = by_id(fetch(make_context, url, mapping=SERVICES_MAPPING))
    social, company = services["440300-RS-002"], services["440300-SJ-003"]
    assert social.guide["themes"] == ["社会保障", "证件办理"]  # split at the full-width ；
    assert social.guide["online_url"] == server.url("/portal/guide/440300-RS-002")
    assert company.guide["audience"] == ["business", "individual"]
    # A quoted cell spanning two lines is one cell.
    assert company.guide["conditions"] == ["名称已经登记机关自主申报", "有符合规定的住所"]
    assert company.published_at == datetime(2025, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content_type", "fixture"),
    [
        ("text/csv; charset=utf-8", "services_gb18030.csv"),
        ("text/csv; charset=gbk", "services_utf8.csv"),
        ("text/csv; charset=iso-8859-1", "services_utf8_bom.csv"),
    ],
)
def test_auto_ignores_a_mislabelled_charset(server, make_context, content_type, fixture):
    url = server.serve_file("/catalogue.csv", CSV_FIXTURES / fixture, content_type)
    result = fetch(make_context, url, mapping=SERVICES_MAPPING)
    assert by_id(result)["440300-RS-002"].title == "社会保障卡申领"


def test_a_named_encoding_is_used_strictly(server, make_context):
    url = server.serve_file("/catalogue.csv", CSV_FIXTURES / "services_gb18030.csv", CSV)
    with pytest.raises(FetchError, match=r"not valid utf-8: byte 0x\w\w at position \d+"):
        fetch(make_context, url, mapping=SERVICES_MAPPING, encoding="utf-8")
    # GBK-labelled files hold GB18030 characters (𠮷): read as the superset.
    result = fetch(make_context, url, mapping=SERVICES_MAPPING, encoding="GBK")
    assert "𠮷" in result.records[0].extra["columns"]["备注"]


def test_a_named_encoding_reads_what_auto_refuses(server, make_context):
    url = serve(server, "編號,名稱\nTW-1,戶籍謄本申請\n".encode("big5"))
    mapping = {"external_id": "編號", "title": "名稱"}
    with pytest.raises(FetchError, match="not Chinese text"):
        fetch(make_context, url, mapping=mapping)
    result = fetch(make_context, url, mapping=mapping, encoding="big5")
    assert [r.title for r in result.records] == ["戶籍謄本申請"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Big5 decodes as GB18030 into nonsense: refused, not stored.
        ("編號,名稱,說明\nTW-1,戶籍謄本申請,臺北市政府\n".encode("big5"), "not Chinese text"),
        ("Nummer,Titel\n1,Müller Straße Größe über\n".encode("cp1252"), "not Chinese text"),
        ("id,title\n1,Résumé des démarches\n".encode("latin-1"), "neither UTF-8"),
    ],
)
def test_auto_refuses_bytes_it_would_misread(server, make_context, body, message):
    url = serve(server, body, content_type="text/csv; charset=utf-8")
    with pytest.raises(FetchError, match=message) as caught:
        fetch(make_context, url, mapping={"external_id": "id", "title": "title"})
    assert "set encoding" in str(caught.value)


def test_utf16_with_a_byte_order_mark_is_read(server, make_context):
    # Excel's "Unicode text" export: UTF-16 with BOM, tab-separated.
    body = "编号\t名称\nA1\t护照办理\n".encode("utf-16")
    url = serve(server, body)
    result = fetch(
        make_context, url, mapping={"external_id": "编号", "title": "名称"}, delimiter="\\t"
    )
    assert [(r.external_id, r.title) for r in result.records] == [("A1", "护照办理")]


# ------------------------------------------------------------------ header and rows


def test_missing_columns_fail_the_run_listing_them(server, make_context):
    url = server.serve_file("/catalogue.csv", CSV_FIXTURES / "services_utf8.csv", CSV)
    mapping = {**SERVICES_MAPPING, "summary": "事项简介", "scope": "通办范围"}
    with pytest.raises(FetchError) as caught:
        fetch(make_context, url, mapping=mapping)
    message = str(caught.value)
    assert "columns missing from the header: 事项简介, 通办范围" in message
    assert "the header has: 事项编码, 事项名称" in message


def test_header_names_match_loosely_and_a_title_row_is_skipped(server, make_context):
    body = "深圳市政务服务事项目录（2026年版）,,\n\n Item  Code ,TITLE,Notes\nX1,护照办理,窗口3\n"
    url = serve(server, body)
    result = fetch(make_context, url, mapping={"external_id": "item code", "title": "Title"})
    (record,) = result.records
    assert (record.external_id, record.title) == ("X1", "护照办理")
    assert record.extra == {"columns": {"Notes": "窗口3"}}


def test_a_column_named_twice_is_refused_when_mapped(server, make_context):
    url = serve(server, "编号,名称,名称\n1,a,b\n")
    with pytest.raises(FetchError, match="columns named more than once: 名称"):
        fetch(make_context, url, mapping={"external_id": "编号", "title": "名称"})


def test_unmapped_duplicate_and_blank_headers_keep_their_cells(server, make_context):
    url = serve(server, "编号,名称,备注,备注,\n1,护照,甲,乙,丙\n")
    (record,) = fetch(make_context, url, mapping={"external_id": "编号", "title": "名称"}).records
    assert record.extra["columns"] == {
        "备注 (column 3)": "甲",
        "备注 (column 4)": "乙",
        "column 5": "丙",
    }


def test_bad_rows_are_reported_by_row_and_good_rows_kept(server, make_context):
    url = server.serve_file("/bad.csv", CSV_FIXTURES / "bad_rows.csv", CSV)
    result = fetch(make_context, url, mapping=BAD_ROWS_MAPPING)
    assert list(by_id(result)) == ["B-001", "B-004", "B-007", "B-009"]
    assert [(e.reason, e.external_id, e.skipped) for e in result.errors] == [
        ("row 3: has no title", "B-002", True),
        ("row 4: has no external_id", None, True),
        ("row 5: updated_at '2026-13-45' is not a date; left out", "B-004", False),
        ("row 6: has 4 cells where the header has 5", None, True),
        ("row 9: repeats the external_id of row 2", "B-001", True),
        ("row 11: has 6 cells where the header has 5", None, True),
    ]
    records = by_id(result)
    assert records["B-001"].title == "户口迁移"  # the first of a repeated id is kept
    assert records["B-004"].updated_at is None
    assert records["B-009"].updated_at is None  # 1900-01-01 cannot be true: None, silently
    # A formula is the text it shows, never evaluated.
    assert records["B-007"].title == '=HYPERLINK("http://evil.example/","点击办理")'
    assert records["B-007"].extra == {"columns": {"办理地点": "市民中心C区"}}
    assert result.complete


@pytest.mark.parametrize(
    "body",
    [
        '编号,名称\n1,护照\n2,"签证\n3,港澳通行证\n',  # unclosed quote swallows the rest
        '编号,名称\n1,护照\n2,"签证"办理\n3,港澳通行证\n',  # text after a closing quote
    ],
)
def test_broken_quoting_is_reported_and_marks_the_listing_incomplete(server, make_context, body):
    url = serve(server, body)
    result = fetch(make_context, url, mapping={"external_id": "编号", "title": "名称"})
    assert result.records[0].title == "护照"
    assert "row 3: unreadable CSV near line" in reasons(result)[0]
    assert not result.complete


@pytest.mark.parametrize("body", [b"", b"\n\n", "\ufeff".encode()])
def test_an_empty_file_fails_the_run(server, make_context, body):
    url = serve(server, body)
    with pytest.raises(FetchError, match="the file is empty"):
        fetch(make_context, url, mapping={"external_id": "id", "title": "title"})


def test_a_header_without_rows_is_an_empty_complete_listing(server, make_context):
    url = serve(server, "id,title\n")
    result = fetch(make_context, url, mapping={"external_id": "id", "title": "title"})
    assert result.records == [] and result.complete


def test_content_rows_with_body_tags_and_extra(server, make_context):
    body = (
        "编号;标题;正文;标签;类型;语言;链接;部门\n"
        'N1;停水通知;"3月5日停水。\n请提前储水。<b>";供水|民生;notice;zh-Hans-CN;/n/1.html;水务局\n'
        "N2;Notice;text;;notice;english;javascript:alert(1);水务局\n"
    )
    url = serve(server, body, path="/open/notices.csv")
    mapping = {
        "external_id": "编号",
        "title": "标题",
        "body": "正文",
        "tags": "标签",
        "content_type": "类型",
        "language": "语言",
        "url": "链接",
        "extra:department": "部门",
    }
    result = fetch(
        make_context,
        url,
        mapping=mapping,
        kind="content",
        delimiter=";",
        list_separator="|",
        language="zh-CN",
    )
    first, second = result.records
    assert first.kind == "content" and first.guide is None
    assert first.body_html == "<p>3月5日停水。</p><p>请提前储水。&lt;b&gt;</p>"
    assert (first.tags, first.content_type, first.language) == (
        ["供水", "民生"],
        "notice",
        "zh-Hans-CN",
    )
    assert first.url == server.url("/n/1.html")
    assert first.extra == {"department": "水务局"}
    assert (second.url, second.language) == (None, "zh-CN")
    assert reasons(result) == [
        "row 3: language 'english' is not a language tag; left out",
        "row 3: url 'javascript:alert(1)' is not an http(s) URL; left out",
    ]


# --------------------------------------------------------------------- the run


def test_unchanged_file_answers_not_modified(server, make_context):
    body = (CSV_FIXTURES / "services_utf8.csv").read_bytes()

    def route(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(headers={"ETag": '"v1"', "Content-Type": CSV}, body=body)

    url = server.route("/catalogue.csv", route)
    first = fetch(make_context, url, mapping=SERVICES_MAPPING)
    assert first.cursor == {"etag": '"v1"'} and len(first.records) == 3
    again = fetch(make_context, url, cursor=first.cursor, mapping=SERVICES_MAPPING)
    assert again.not_modified and again.records == [] and again.cursor == first.cursor


def test_http_errors_fail_the_run(server, make_context):
    url = server.route("/catalogue.csv", Reply(503, body=b"busy"))
    with pytest.raises(HttpStatusError, match="503"):
        fetch(make_context, url, mapping={"external_id": "id", "title": "title"})


def test_sample_source_reads_as_declared(server, make_context):
    sample = CsvConnector.sample_source(server.url("/"))
    for path, (content_type, body) in sample.documents.items():
        server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    result = CsvConnector(sample.config).fetch(make_context())
    assert len(result.records) == sample.expected and not result.errors
    assert all(ServiceGuide.from_source(r.guide)[1] == {} for r in result.records)


# ---------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"mapping": {"title": "名称"}}, "mapping", "must map external_id"),
        (
            {"mapping": {"external_id": "a", "title": "b", "headline": "c", "extra:": "d"}},
            "mapping",
            "unknown targets: headline, extra:",
        ),
        ({"mapping": {"external_id": "a", "title": ""}}, "mapping", "as text: title"),
        (
            {"mapping": {"external_id": "a", "title": "b", "extra:columns": "c"}},
            "mapping",
            "extra:columns",
        ),
        (
            {"mapping": {"external_id": "a", "title": "b", "conditions": "c"}, "kind": "content"},
            "mapping",
            'need kind "service"',
        ),
        ({"encoding": "klingon"}, "encoding", "not an encoding"),
        ({"delimiter": ",,"}, "delimiter", "one character"),
        ({"kind": "event"}, "kind", "one of"),
    ],
)
def test_config_problems_are_named(config, field, message):
    raw = {"url": "https://example.gov.cn/c.csv", "mapping": {"external_id": "a", "title": "b"}}
    with pytest.raises(ConfigError) as caught:
        CsvConnector({**raw, **config})
    assert message in caught.value.errors[field]


# ------------------------------------------------------------------ real samples


def test_gsa_forms_catalogue(server, make_context, corpora):
    url = server.serve_file("/forms.csv", corpora / "csv" / "us_gsa_forms.csv", CSV)
    mapping = {
        "external_id": "MEDIA ID",
        "title": "TITLE",
        "url": "FORM URL",
        "tags": "PREFIX/FORM TYPE",  # the header says "PREFIX/ FORM TYPE"
        "updated_at": "REVISION DATE",
        "extra:form_number": "FORM NUMBER",
    }
    result = fetch(make_context, url, mapping=mapping, kind="content", language="en")
    assert len(result.records) == 16 and result.complete
    lease = by_id(result)["31541"]
    assert lease.title == "Proposal to Lease Space"
    assert lease.url == "http://www.gsa.gov/portal/forms/download/113998"
    assert lease.updated_at == datetime(2008, 8, 1, tzinfo=UTC)  # MM/YYYY
    assert lease.extra["form_number"] == "GSA1364"
    assert lease.extra["columns"]["FILE NAME"] == "GSA 1364.pdf"
    assert by_id(result)["31529"].updated_at is None  # 09/1973: before any plausible date
    # "Obsolete" in REVISION DATE: both rows kept without a date, each reported.
    assert reasons(result) == [
        "row 16: updated_at 'Obsolete' is not a date; left out",
        "row 17: updated_at 'Obsolete' is not a date; left out",
    ]


def test_gsa_forms_repeat_form_numbers(server, make_context, corpora):
    url = server.serve_file("/forms.csv", corpora / "csv" / "us_gsa_forms.csv", CSV)
    mapping = {"external_id": "FORM NUMBER", "title": "TITLE"}
    result = fetch(make_context, url, mapping=mapping, kind="content")
    assert list(by_id(result)) == [
        "GSA1241",
        "GSA1241A",
        "GSA1364",
        "GSA1656B",
        "GPO2511",
        "GSA3076C",
    ]
    assert len(result.errors) == 10
    assert result.errors[0].reason == "row 3: repeats the external_id of row 2"


def test_cpsc_recalls_continuation_rows(server, make_context, corpora):
    url = server.serve_file("/recalls.csv", corpora / "csv" / "us_cpsc_recalls.csv", CSV)
    mapping = {
        "external_id": "Seqid",
        "title": "Prname",
        "tags": "Hazard",
        "published_at": "Recdate",
        "extra:manufacturer": "Manufacturer",
    }
    result = fetch(make_context, url, mapping=mapping, kind="content", language="en")
    (recall,) = result.records
    assert recall.external_id == "12650"
    assert recall.title.startswith("LELE & Company Maria Elena, Eddie Children’s Princess")
    assert recall.published_at == datetime(2010, 3, 3, tzinfo=UTC)
    assert recall.tags == ["Strangulation"]
    assert recall.extra["manufacturer"] == "LELE"
    assert recall.extra["columns"]["Country_mfg"] == "Vietnam"
    # The nine continuation rows name only a manufacturer: no title, each reported.
    assert len(result.errors) == 9
    assert result.errors[0].reason == "row 3: has no title"
    assert result.errors[0].external_id == "12651"
