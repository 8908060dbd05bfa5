"""A fictional county's government sources, served on loopback for demos and tests.

`build_site()` assembles 青山县's departments, their service guides and notices
(deterministic: fixed seeds and the reference date 2026-11-01, never the clock);
`DemoServer` serves them as RSS/Atom feeds, JSON-LD service pages and an Open311 list;
`import_yaml(base_url)` writes the import file that connects a hall to that server.

URL layout (relative to the server's base URL):

* ``/<dept>/notices.xml`` (RSS 2.0), or ``/<dept>/news.atom`` for Atom departments;
  notice pages at ``/<dept>/notices/<n>.html``
* ``/<dept>/<platform>.xml`` for wechat / weibo accounts; posts at ``/<dept>/<platform>/<n>.html``
* ``/<dept>/services.html`` (JSON-LD), guide pages ``/<dept>/services/<code>.html``,
  ``/handle/<code>`` (online handling) and ``/pay/<code>`` (payment, charged services)
* ``/culture/en/news.atom``, ``/tax/en/notices.xml``, ``/amr/en/services.html`` (English)
* ``/open311/services.json|xml`` and ``/open311/services/<code>.json|xml``
"""

from hall.demo.imports import import_yaml
from hall.demo.server import DemoServer
from hall.demo.site import DemoSite, build_site

__all__ = ["DemoServer", "DemoSite", "build_site", "import_yaml"]
