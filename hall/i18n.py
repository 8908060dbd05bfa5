"""Page language: Chinese by default, English on request, from one small message table.

Message ids are the English text; `MESSAGES` holds their Chinese. A table beats Flask-Babel
here: a few dozen strings, two languages, no extraction step, and a test checks that every
message the templates use is in the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, Response, current_app, request
from markupsafe import Markup

from hall.timestamps import as_utc

LANGUAGES = ("zh", "en")
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Sources are Chinese departments and citizens read their dates in China time; China has one
# zone and no daylight saving, so a fixed offset is exact and needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

MESSAGES: dict[str, str] = {
    # layout
    "Service Hall": "政务服务大厅",
    "Skip to content": "跳到正文",
    "Search": "搜索",
    "Search services and notices": "搜索办事服务和政务信息",
    "Home": "首页",
    "Language": "语言",
    "All departments' services and notices in one search.": "各部门的办事服务和政务信息，一站搜索。",
    # hall home
    "Departments": "部门",
    "Latest notices": "最新信息",
    "More services": "更多服务",
    "More notices": "更多信息",
    "%(count)s items": "%(count)s 条",
    "Nothing here yet.": "暂无内容。",
    # search
    "Search results": "搜索结果",
    "%(total)s results": "共 %(total)s 条结果",
    "Page %(page)s of %(pages)s": "第 %(page)s 页，共 %(pages)s 页",
    "Did you mean:": "您是不是要找：",
    "Filters": "筛选",
    "%(label)s: %(value)s": "%(label)s：%(value)s",
    "Remove filter": "取消筛选",
    "Clear all filters": "清除全部筛选",
    "Sector": "领域",
    "Department": "部门",
    "Type": "类型",
    "Account": "账号",
    "No results": "没有找到结果",
    "Nothing matched your search.": "没有找到与您的搜索相符的内容。",
    "Suggestions:": "建议：",
    "Check the spelling, or try fewer or more general words.": "检查输入是否有误，或换用更少、更通用的词语。",
    "Try the full name, an abbreviation or pinyin (for example 社保, 社会保险 or shebao).": "试试全称、简称或拼音（例如：社保、社会保险、shebao）。",
    "Search without the filters": "去掉筛选条件再搜索",
    "Browse services by department": "按部门浏览服务",
    "This page is past the last page of results.": "该页已超出结果的最后一页。",
    "Go to the first page": "回到第一页",
    "Some filters were not recognised and were ignored: %(names)s": "以下筛选条件无法识别，已忽略：%(names)s",
    "The page number was not understood; showing the first page.": "页码无法识别，已显示第一页。",
    "Previous": "上一页",
    "Next": "下一页",
    "Pages": "分页",
    "Source": "来源",
    "Published": "发布日期",
    "Updated": "更新日期",
    # item page
    "Service guide": "办事指南",
    "Basic information": "基本信息",
    "Item code": "实施编码",
    "Catalogue code": "基本编码",
    "Item type": "事项类型",
    "Level": "行使层级",
    "Implementing body": "实施主体",
    "Audience": "服务对象",
    "Themes": "主题分类",
    "Legal basis": "设定依据",
    "Cross-region scope": "通办范围",
    "Result": "审批结果",
    "Conditions": "受理条件",
    "Materials": "申请材料",
    "Name": "名称",
    "Necessity": "必要性",
    "Form": "材料形式",
    "Medium": "材料载体",
    "Copies": "份数",
    "Note": "备注",
    "Blank form": "空白表格",
    "Sample": "示例样表",
    "Download": "下载",
    "Issued by: %(source)s": "来源：%(source)s",
    "Process": "办理流程",
    "Handler": "办理人员",
    "Time limit": "时限",
    "Time limits": "办理时限",
    "Handling type": "办件类型",
    "Statutory time limit": "法定办结时限",
    "Promised time limit": "承诺办结时限",
    "Visits in person": "到办事现场次数",
    "No visit needed": "零跑动",
    "At most %(count)s visits": "最多跑 %(count)s 次",
    "Fees": "收费情况",
    "Free of charge": "不收费",
    "Charged": "收费",
    "Fee information not provided": "未提供收费信息",
    "Fee item": "收费项目",
    "Standard": "收费标准",
    "Basis": "收费依据",
    "Online payment": "网上支付",
    "Supported": "支持",
    "Not supported": "不支持",
    "Pay online": "在线缴费",
    "Apply online": "网上办理",
    "On a mobile phone": "移动端办理",
    "Service points": "办理地点",
    "Address": "地址",
    "Window": "窗口",
    "Hours": "办理时间",
    "Phone": "电话",
    "Enquiries and complaints": "咨询投诉",
    "Enquiries": "咨询电话",
    "Complaints": "监督投诉电话",
    "Frequently asked questions": "常见问题",
    "View at the source": "查看来源原文",
    "Also published on": "同时发布于",
    "Tags": "标签",
    "Accounts": "账号",
    "Aliases": "别名",
    "Items": "内容",
    # value labels
    "Services": "办事服务",
    "Notices & news": "信息公开",
    "Required": "必要",
    "Optional": "非必要",
    "Deferrable": "容缺",
    "Original": "原件",
    "Copy": "复印件",
    "Original and copy": "原件和复印件",
    "Paper": "纸质",
    "Electronic": "电子",
    "Paper or electronic": "纸质或电子",
    "Individuals": "自然人",
    "Businesses": "法人",
    "On the spot": "即办件",
    "Promised": "承诺件",
    "National": "国家级",
    "Province": "省级",
    "City": "市级",
    "County": "县级",
    "Township": "乡镇级",
    "Village": "村级",
    "%(value)s working days": "%(value)s 个工作日",
    "%(value)s days": "%(value)s 天",
    "%(value)s hours": "%(value)s 小时",
    "%(value)s minutes": "%(value)s 分钟",
    # errors
    "Page not found": "页面不存在",
    "We could not find that page. It may have moved, or the address may be mistyped.": "找不到该页面，可能已经移动，或地址有误。",
    "No longer available": "内容已撤下",
    "The source has withdrawn this item.": "来源已撤下此内容。",
    "Search for similar items": "搜索相似内容",
    "Request not understood": "无法处理该请求",
    "Not allowed": "无权操作",
    "Your account may not do this.": "您的账号无权进行此操作。",
    "Not possible now": "暂时无法操作",
    "The current state of this record does not allow it.": "该记录当前的状态不允许此操作。",
    "Something in the address was not understood.": "地址中的部分内容无法识别。",
    "Something went wrong": "出错了",
    "An error on our side stopped this page. Please try again in a moment.": "由于系统错误，页面无法显示，请稍后再试。",
    "Back to the hall": "返回大厅首页",
}


def init_app(app: Flask) -> None:
    """Give templates `_`, the page language, and remember a language chosen by ?lang=."""
    app.jinja_env.globals.update(_=translate, current_language=current_language)
    app.jinja_env.filters["local_date"] = local_date
    app.after_request(remember_language)


def current_language() -> str:
    """Return the page language: ?lang=, else the cookie, else DEFAULT_LANGUAGE."""
    # Not cached on `g`: it is two lookups, and `g` outlives a request wherever an app
    # context was pushed around it (tests, CLI).
    chosen = request.args.get("lang") or request.cookies.get(COOKIE_NAME)
    if chosen in LANGUAGES:
        return chosen
    default = current_app.config["DEFAULT_LANGUAGE"]
    return default if default in LANGUAGES else "zh"


def translate(message: str, **values: object) -> Markup:
    """Return `message` in the page language, its %(name)s placeholders filled, escaped.

    Markup, so a value that is already markup (a macro's output) is not escaped twice and
    every other value is escaped once.
    """
    text = MESSAGES.get(message, message) if current_language() == "zh" else message
    return Markup.escape(text) % values if values else Markup.escape(text)


def remember_language(response: Response) -> Response:
    """Keep a language picked with ?lang= in a cookie; pages vary by that cookie."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(
            COOKIE_NAME, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True
        )
    response.vary.add("Cookie")
    return response


def local_date(value: datetime | None) -> str:
    """Return the date of `value` in China time as YYYY-MM-DD ('' for none)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d")
