"""Render notices as RSS 2.0 or Atom 1.0 feeds, and as the HTML pages they link to."""

from __future__ import annotations

from email.utils import format_datetime
from html import escape

from hall.demo.notices import IMPOSSIBLE_DATE_TEXT, REFERENCE_DATE, Notice


def _x(text: str) -> str:
    return escape(text, quote=True)


def _cdata(markup: str) -> str:
    return "<![CDATA[" + markup.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss_date(notice: Notice) -> str:
    """Return the RFC 822 date of an RSS item (+0800), or the deliberately impossible one."""
    return IMPOSSIBLE_DATE_TEXT if notice.impossible_date else format_datetime(notice.published)


def rss(notices: list[Notice], *, title: str, link: str, base_url: str, language: str) -> str:
    """Return an RSS 2.0 feed of `notices` with content:encoded bodies."""
    items = []
    for n in notices:
        items.append(
            "<item>"
            f"<title>{_x(n.title)}</title><link>{base_url}{n.path}</link>"
            f'<guid isPermaLink="false">{n.guid}</guid><pubDate>{rss_date(n)}</pubDate>'
            f"<category>{_x(n.category)}</category><description>{_x(n.summary)}</description>"
            f"<content:encoded>{_cdata(n.body_html)}</content:encoded>"
            "</item>"
        )
    newest = max((n.published for n in notices), default=REFERENCE_DATE)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{_x(title)}</title><link>{link}</link>"
        f"<description>{_x(title)}</description><language>{language}</language>"
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def atom(
    notices: list[Notice],
    *,
    title: str,
    feed_path: str,
    base_url: str,
    language: str,
    relative: bool = False,
) -> str:
    """Return an Atom 1.0 feed; `relative` writes xml:base and links relative to it."""
    folder = feed_path.rsplit("/", 1)[0] + "/"
    xml_base = f' xml:base="{base_url}{folder}"' if relative else ""
    entries = []
    for n in notices:
        href = n.path.removeprefix(folder) if relative else f"{base_url}{n.path}"
        stamp = n.published.isoformat()
        entries.append(
            "<entry>"
            f'<title>{_x(n.title)}</title><link rel="alternate" href="{_x(href)}"/>'
            f"<id>tag:qingshan.example,2026:{n.guid}</id>"
            f"<published>{stamp}</published><updated>{stamp}</updated>"
            f'<category term="{_x(n.category)}"/><summary>{_x(n.summary)}</summary>'
            f'<content type="html">{_x(n.body_html)}</content>'
            "</entry>"
        )
    newest = max((n.published for n in notices), default=REFERENCE_DATE)
    self_href = feed_path.removeprefix(folder) if relative else base_url + feed_path
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{language}"{xml_base}>'
        f"<title>{_x(title)}</title><id>tag:qingshan.example,2026:{feed_path}</id>"
        f'<link rel="self" href="{_x(self_href)}"/><updated>{newest.isoformat()}</updated>'
        "<author><name>青山县人民政府</name></author>" + "".join(entries) + "</feed>\n"
    )


def page(title: str, body_html: str, *, language: str = "zh-CN", head: str = "") -> str:
    """Return a small HTML page."""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{_x(title)}</title>{head}</head><body><h1>{_x(title)}</h1>"
        f"{body_html}</body></html>\n"
    )


def notice_page(notice: Notice) -> str:
    """Return the HTML page of a notice, as its link serves it."""
    date = notice.published.strftime("%Y-%m-%d")
    return page(
        notice.title,
        f'<p class="meta">{_x(notice.category)} · {date}</p>{notice.body_html}',
        language=notice.language,
    )
