"""Measure the search layer the way the app uses it, beside SQLite FTS5 on the same tokens.

    /tmp/v/bin/python -m bench.search_bench --sizes 10000 100000

For each size: (a) segmentation with analyse_item, (b) `rebuild` of the Whoosh index from
stored tokens (through the database, as `hall index rebuild` does), (c) query latency of
SearchService.search for the fixed query set (facets included in every answer), with the
answer cache off: "cold" is the first pass on a freshly opened index (posting lists read
from disk as queries first need them), "repeat" the median of later passes (posting lists
in memory, answers still computed); and with the answer cache on after one pass ("warm");
and (d) SQLite FTS5 over the same tokens: a bm25 MATCH with LIMIT 10 plus one GROUP BY
facet count. Tokens are cached in --workdir, so a second run skips segmentation (its
figure is then not re-measured).
"""

from __future__ import annotations

import argparse
import multiprocessing
import pickle
import re
import resource
import shutil
import sqlite3
import statistics
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import insert

from bench.corpus import Document, accounts, documents, queries
from hall import create_app
from hall.catalog.models import Item
from hall.directory.models import Account, Department
from hall.extensions import db
from hall.search import SearchQuery, SearchService
from hall.search.analysis import SUBWORD_SEPARATOR, analyse_item, segment_query
from hall.search.indexer import rebuild
from hall.search.synonyms import expand
from hall.sync.models import ConnectorInstance

_PHRASE = re.compile(r'"([^"]*)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hall-bench"))
    parser.add_argument(
        "--procs", type=int, default=2, help="processes for segmentation and rebuild"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs per query; the median counts")
    args = parser.parse_args()
    results = [run_size(n, args) for n in args.sizes]
    print_report(results)


def run_size(n: int, args: argparse.Namespace) -> dict:
    """Measure everything at one corpus size and return the figures."""
    print(f"== {n:,} documents", flush=True)
    docs = documents(n, args.seed)
    tokens, seg_rate = segment(docs, args)
    figures = {"n": n, "segment_docs_per_s": seg_rate}

    instance = args.workdir / f"instance-{n}"
    shutil.rmtree(instance, ignore_errors=True)
    app = create_app({"INSTANCE_PATH": str(instance), "SEARCH_CACHE_SIZE": 0, "TESTING": True})
    with app.app_context():
        load_database(docs, tokens)
        started = time.perf_counter()
        rebuild(app.config["INDEX_PATH"], procs=args.procs)
        seconds = time.perf_counter() - started
        figures["build_items_per_s"] = n / seconds
        figures["build_s"] = seconds
        figures["index_mb"] = folder_mb(Path(app.config["INDEX_PATH"]))
        print(f"   rebuild {seconds:.1f} s", flush=True)

    service = SearchService(app.config)
    segment_query("预热")  # load jieba first: its 0.5 s is not the index's
    started = time.perf_counter()
    service.search(SearchQuery(text="预热"))
    figures["open_ms"] = (time.perf_counter() - started) * 1000
    query_set = queries()
    figures["cold"] = time_queries(service, query_set, 1)
    figures["repeat"] = time_queries(service, query_set, args.rounds)
    warm = SearchService(dict(app.config, SEARCH_CACHE_SIZE=4096))
    time_queries(warm, query_set, 1)
    figures["warm"] = time_queries(warm, query_set, 1)
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    fts, figures["fts_build_docs_per_s"] = build_fts(docs, tokens)
    figures["fts"] = time_fts(fts, query_set, args.rounds)
    return figures


def segment(
    docs: list[Document], args: argparse.Namespace
) -> tuple[list[tuple[str, str, str]], float | None]:
    """Segment every document (in a pool), or load the tokens of an earlier run."""
    cache = args.workdir / f"tokens-{len(docs)}-{args.seed}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes()), None
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.procs) as pool:
        tokens = pool.map(_analyse, [(d.title, d.body) for d in docs], chunksize=200)
    rate = len(docs) / (time.perf_counter() - started)
    cache.write_bytes(pickle.dumps(tokens))
    print(f"   segmented at {rate:.0f} docs/s with {args.procs} processes", flush=True)
    return tokens, rate


def _analyse(pair: tuple[str, str]) -> tuple[str, str, str]:
    found = analyse_item(*pair)
    return found.title_tokens, found.body_tokens, found.title_pinyin


def load_database(docs: list[Document], tokens: list[tuple[str, str, str]]) -> None:
    """Insert departments, accounts, connectors and items with their stored tokens."""
    db.create_all()
    pool = accounts()
    departments = {a.department_id: a for a in pool}
    db.session.execute(
        insert(Department),
        [
            {"id": d, "name": a.department_name, "sector": a.sector, "aliases": []}
            for d, a in departments.items()
        ],
    )
    db.session.execute(
        insert(Account),
        [
            {"id": a.id, "department_id": a.department_id, "platform": a.platform, "name": a.id}
            for a in pool
        ],
    )
    db.session.execute(
        insert(ConnectorInstance),
        [
            {"id": a.id, "account_id": a.id, "type": "feed", "config": {}, "cursor": {}}
            for a in pool
        ],
    )
    rows = [
        {
            "connector_id": doc.account_id,
            "account_id": doc.account_id,
            "external_id": str(number),
            "kind": doc.kind,
            "content_type": doc.content_type,
            "title": doc.title,
            "body_text": doc.body,
            "language": doc.language,
            "tags": [],
            "extra": {},
            "content_hash": "x",
            "title_tokens": title,
            "body_tokens": body,
            "title_pinyin": pinyin,
            "published_at": doc.published,
        }
        for number, (doc, (title, body, pinyin)) in enumerate(zip(docs, tokens, strict=True))
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Item), rows[start : start + 5000])
    db.session.commit()


def time_queries(service: SearchService, query_set: list, rounds: int) -> dict:
    """Run every query `rounds` times; keep each query's median time in milliseconds."""
    timings = defaultdict(list)
    for _ in range(rounds):
        for category, text, sector in query_set:
            query = SearchQuery(text=text, sector=sector)
            started = time.perf_counter()
            service.search(query)
            timings[(category, text, sector)].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in timings.items()}


def build_fts(
    docs: list[Document], tokens: list[tuple[str, str, str]]
) -> tuple[sqlite3.Connection, float]:
    """Index the same tokens in SQLite FTS5 (porter stemming, like the Whoosh analyzer)."""
    fts = sqlite3.connect(":memory:")
    fts.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, pinyin, sector UNINDEXED, "
        "department UNINDEXED, account UNINDEXED, kind UNINDEXED, tokenize='porter unicode61')"
    )
    by_id = {a.id: a for a in accounts()}
    started = time.perf_counter()
    fts.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                title.replace(SUBWORD_SEPARATOR, " "),
                body.replace(SUBWORD_SEPARATOR, " "),
                pinyin,
                by_id[doc.account_id].sector,
                by_id[doc.account_id].department_id,
                doc.account_id,
                doc.kind,
            )
            for doc, (title, body, pinyin) in zip(docs, tokens, strict=True)
        ),
    )
    fts.commit()
    return fts, len(docs) / (time.perf_counter() - started)


def fts_expression(text: str) -> str:
    """Build the FTS5 MATCH expression the app's query plan corresponds to."""
    clauses = []
    for phrase in _PHRASE.findall(text):
        words = segment_query(
            phrase.replace(" ", "") if re.search(r"[\u4e00-\u9fff]", phrase) else phrase
        )
        if words:
            clauses.append('"' + " ".join(words) + '"')
    for word in dict.fromkeys(segment_query(_PHRASE.sub(" ", text).replace('"', " "))):
        forms = ['"' + " ".join(segment_query(form)) + '"' for form in expand(word)]
        if word.isascii() and word.isalpha() and len(word) >= 3:
            forms.append(f'"{word}"*')
        clauses.append("(" + " OR ".join(forms) + ")")
    return " AND ".join(clauses)


def time_fts(fts: sqlite3.Connection, query_set: list, rounds: int) -> dict:
    """Time a bm25 top-10 plus a GROUP BY facet count per query, median of `rounds`."""
    timings = defaultdict(list)
    for _ in range(rounds):
        for category, text, sector in query_set:
            expression = fts_expression(text)
            where, params = "docs MATCH ?", [expression]
            if sector:
                where, params = where + " AND sector = ?", [*params, sector]
            started = time.perf_counter()
            if expression:
                fts.execute(
                    f"SELECT rowid FROM docs WHERE {where} ORDER BY bm25(docs, 3.0, 1.0, 1.5) LIMIT 10",
                    params,
                ).fetchall()
                fts.execute(
                    f"SELECT sector, count(*) FROM docs WHERE {where} GROUP BY sector", params
                ).fetchall()
            timings[(category, text, sector)].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in timings.items()}


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ratio(figures: dict, kind: str) -> float:
    app_p95 = percentile(list(figures[kind].values()), 0.95)
    return app_p95 / percentile(list(figures["fts"].values()), 0.95)


def print_report(results: list[dict]) -> None:
    """Print the figures as markdown tables."""
    head = "| | " + " | ".join(f"{r['n']:,} docs" for r in results) + " |"
    print("\n" + head)
    print("|---|" + "---:|" * len(results))

    def row(label: str, cell) -> None:
        print(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def p(kind: str, fraction: float):
        return lambda r: f"{percentile(list(r[kind].values()), fraction):.1f}"

    row(
        "segmentation docs/s (analyse_item, pool)",
        lambda r: f"{r['segment_docs_per_s']:.0f}" if r["segment_docs_per_s"] else "cached",
    )
    row("index rebuild items/s (from stored tokens)", lambda r: f"{r['build_items_per_s']:.0f}")
    row("index size MB", lambda r: f"{r['index_mb']:.0f}")
    row("first search (open + warm caches) ms", lambda r: f"{r['open_ms']:.0f}")
    row("app search p50 ms, cold (first pass, no answer cache)", p("cold", 0.5))
    row("app search p95 ms, cold (first pass, no answer cache)", p("cold", 0.95))
    row("app search p50 ms, repeat (no answer cache)", p("repeat", 0.5))
    row("app search p95 ms, repeat (no answer cache)", p("repeat", 0.95))
    row(
        "app search p50 / p95 ms, answer cache warm",
        lambda r: f"{p('warm', 0.5)(r)} / {p('warm', 0.95)(r)}",
    )
    row("FTS5 build docs/s", lambda r: f"{r['fts_build_docs_per_s']:.0f}")
    row("FTS5 p50 ms", p("fts", 0.5))
    row("FTS5 p95 ms", p("fts", 0.95))
    for kind in ("cold", "repeat"):
        row(f"app p95 / FTS5 p95 ({kind})", lambda r, kind=kind: f"{ratio(r, kind):.2f}x")
    row("peak RSS MB (bench process)", lambda r: f"{r['rss_mb']:.0f}")

    for r in results:
        print(f"\nBy category at {r['n']:,} docs: p50 / p95 ms\n")
        print("| category | queries | app cold | app repeat | FTS5 |")
        print("|---|---:|---:|---:|---:|")
        for category in sorted({key[0] for key in r["cold"]}):
            cells = []
            for kind in ("cold", "repeat", "fts"):
                times = [v for k, v in r[kind].items() if k[0] == category]
                cells.append(f"{percentile(times, 0.5):.1f} / {percentile(times, 0.95):.1f}")
            print(f"| {category} | {len(times)} | " + " | ".join(cells) + " |")
        slowest = sorted(r["cold"].items(), key=lambda kv: kv[1], reverse=True)[:8]
        print(
            "\nSlowest cold app queries: "
            + ", ".join(f"{k[1]!r}{' +' + k[2] if k[2] else ''} {v:.0f} ms" for k, v in slowest)
        )


if __name__ == "__main__":
    main()
