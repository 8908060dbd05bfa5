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
    "Life events": "主题服务",
    "Links": "相关链接",
    "Preview of an unpublished layout": "预览：尚未发布的首页版式",
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
    "Closed accounts": "已关停账号",
    "closed on": "关停于",
    "Now served by": "现由以下账号提供服务",
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
    # sign-in and the department console
    "Sign in": "登录",
    "Sign out": "退出登录",
    "Username": "用户名",
    "Password": "密码",
    "Please sign in to continue.": "请先登录。",
    "The username or password is not right, or there were too many attempts; wait a while and try again.": "用户名或密码不正确，或尝试次数过多；请稍后再试。",
    "Console": "部门工作台",
    "Health": "运行健康",
    "Your departments' accounts": "本部门的账号",
    "You act for no department yet.": "您还没有负责的部门。",
    "Apply for a new account": "申请备案新账号",
    "Apply": "提交申请",
    "Actions": "操作",
    "Platform": "平台",
    "Filing status": "备案状态",
    "Filing number": "备案编号",
    "Waiting for a decision": "待审核",
    "Change": "变更",
    "Close": "注销",
    "Connectors": "数据接入",
    "Connector": "接入",
    "API tokens": "接口令牌",
    "Account name": "账号名称",
    "Address (URL)": "网址",
    "Platform id": "平台账号 ID",
    "Responsible person": "负责人",
    "Contact phone": "联系电话",
    "Interaction channels": "互动渠道",
    "One per line.": "每行一个。",
    "A JSON object.": "一个 JSON 对象。",
    "Save": "保存",
    "This could not be done:": "无法完成：",
    "Change the account's filing": "变更账号备案信息",
    "A new name or address is filed again and waits for approval; contact data changes at once.": "名称或网址的变更需重新备案、审核通过后生效；联系信息立即生效。",
    "Close the account": "注销账号",
    "The notice is shown to the public; name the account that takes over, if there is one.": "注销公告将向公众公示；如有承接账号，请填写。",
    "Closure notice": "注销公告",
    "Successor account id": "承接账号 ID",
    "Choose a platform.": "请选择平台。",
    "An account needs a name.": "请填写账号名称。",
    "Give a full address starting with http:// or https://.": "请填写以 http:// 或 https:// 开头的完整网址。",
    "Give the account's address or its platform id.": "请填写账号网址或平台账号 ID。",
    "Name the person responsible.": "请填写负责人。",
    "Give a contact phone.": "请填写联系电话。",
    "A closing account posts a notice.": "注销账号须发布公告。",
    "Your application was filed; an administrator will decide on it.": "申请已提交，等待管理员审核。",
    "The change was filed; the account keeps its filed data until it is approved.": "变更已提交；审核通过前账号沿用原备案信息。",
    "The contact data was changed.": "联系信息已更新。",
    "The account was closed; its notice is public.": "账号已注销，注销公告已公示。",
    "pending": "待审核",
    "approved": "已备案",
    "rejected": "未通过",
    "suspended": "已暂停",
    "closed": "已注销",
    "open": "新开",
    "change": "变更",
    "close": "注销",
    "Add a connector": "添加数据接入",
    "Schedule": "同步计划",
    "Last run": "最近一次同步",
    "paused": "已停用",
    "every %(seconds)s s": "每 %(seconds)s 秒",
    "default interval": "默认间隔",
    "never run": "尚未同步",
    "A value is stored. Leave this empty to keep it.": "已保存一个值；留空则保持不变。",
    "Every how many seconds (empty: the default)": "每隔多少秒（留空：默认间隔）",
    "Or at the times of a crontab line (UTC)": "或按 crontab 表达式的时间（UTC）",
    "Enabled": "启用",
    "Test connection": "测试连接",
    "Nothing was saved.": "未保存任何内容。",
    "The source could not be read:": "无法读取来源：",
    "%(total)s records read; the first ones:": "共读取 %(total)s 条，前几条：",
    "Title": "标题",
    "The connector was added.": "数据接入已添加。",
    "The connector was saved.": "数据接入已保存。",
    "Edit": "编辑",
    "Sync now": "立即同步",
    "Run history": "同步记录",
    "Run": "同步",
    "Status": "状态",
    "Read": "读取",
    "Added": "新增",
    "Changed": "更新",
    "Unchanged": "未变",
    "Failed": "失败",
    "Retired": "撤下",
    "running": "进行中",
    "succeeded": "成功",
    "unchanged": "无变化",
    "failed": "失败",
    "cancelled": "已取消",
    "abandoned": "已中断",
    "added": "新增",
    "updated": "更新",
    "tombstoned": "撤下",
    "Items that could not be read": "无法读取的条目",
    "What changed": "变更内容",
    "Item": "条目",
    "Outcome": "结果",
    "Reason": "原因",
    "Guide changes": "办事指南变更",
    "Prefix": "前缀",
    "Created": "创建时间",
    "Last used": "最近使用",
    "Revoked": "已吊销",
    "Revoke": "吊销",
    "Create a token": "创建令牌",
    "Name (the system that will use it)": "名称（将使用它的系统）",
    "Create": "创建",
    "The token was revoked.": "令牌已吊销。",
    "Your new token": "新令牌",
    "Copy it now: it is shown only this once and cannot be shown again.": "请立即复制：令牌仅显示这一次，之后无法再次查看。",
    "Back to the tokens": "返回令牌列表",
    "Account health": "账号运行健康",
    "Download as CSV": "下载 CSV",
    "Last item": "最近发布",
    "Items in the last 30 days": "近 30 天条目数",
    "Last error": "最近错误",
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
