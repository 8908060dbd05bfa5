"""Measure the service-point refresh that follows an index pass: full and incremental.

    python -m bench.points_bench --services 10000 50000

Inserts `--services` live services whose guides list one of 500 places (a guide of about
1.6 KB), builds the guide points once, then times a full refresh (every guide read) and
an incremental one after one service changed (only its places and their services).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.hall_app import bench_app

GUIDE = {
    "handling_type": "promised",
    "conditions": ["本县户籍居民", "在法定劳动年龄内"] * 4,
    "materials": [
        {"name": f"材料{number}", "necessity": "required", "form": "original", "copies": 1}
        for number in range(8)
    ],
    "process": [{"name": step, "time_limit": True} for step in ("申请", "受理", "审核", "办结")],
    "legal_basis": ["《社会保险法》第四十五条", "《失业保险条例》第十四条"],
}


def guide(number: int) -> dict:
    place = number % 500
    return {
        **GUIDE,
        "service_points": [
            {
                "name": f"便民服务中心{place}",
                "address": f"某某县人民路{place}号",
                "lat": 30 + place / 1000,
                "lon": 120.1,
                "hours": "工作日 9:00-17:00",
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()

    from sqlalchemy import insert

    from hall.catalog.models import Item
    from hall.directory.points import refresh_guide_points
    from hall.extensions import db

    for size in args.services:
        with tempfile.TemporaryDirectory() as folder:
            app = bench_app(folder, args.database_url, "http://127.0.0.1/feed.xml")
            with app.app_context():
                rows = [
                    {
                        "connector_id": "bench-feed",
                        "account_id": "bench-web",
                        "external_id": f"s{number}",
                        "kind": "service",
                        "title": f"服务事项{number}",
                        "body_text": "",
                        "body_html": "",
                        "tags": [],
                        "extra": {},
                        "content_hash": "bench",
                        "title_tokens": "",
                        "body_tokens": "",
                        "title_pinyin": "",
                        "guide": guide(number),
                    }
                    for number in range(size)
                ]
                db.session.execute(insert(Item), rows)
                db.session.commit()
                refresh_guide_points()
                db.session.commit()
                one = db.session.scalar(db.select(Item).where(Item.external_id == "s7"))
                full, incremental = [], []
                for turn in range(args.repeat):
                    started = time.perf_counter()
                    refresh_guide_points()
                    db.session.commit()
                    full.append(time.perf_counter() - started)
                    one.guide = guide(7 + turn + 1)  # moves to another place
                    db.session.commit()
                    started = time.perf_counter()
                    refresh_guide_points({one.id})
                    db.session.commit()
                    incremental.append(time.perf_counter() - started)
                print(
                    f"{size:>7} services: full refresh {statistics.median(full) * 1000:8.1f} ms,"
                    f" one changed service {statistics.median(incremental) * 1000:6.1f} ms"
                    f" (median of {args.repeat})"
                )
                if args.database_url:
                    db.drop_all()


if __name__ == "__main__":
    main()
