"""Entity-stage throughput: articles per second on one core for cleaning plus entity linking.

    python -m benchmarks.entities [--runs 5] [--articles 2000]

Articles: the crawled reference sample and the labelled fixture articles (about 2-4 KB each),
repeated to the requested count. Prints the knowledge-base load time and the automaton build
time (medians), then articles/s for cleaning alone and for cleaning plus entities (medians of
the runs), with the mean article size.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import date

from evaluation.common import ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR, load_fixtures, load_reference_sample
from streams.enrich.clean import Cleaner
from streams.enrich.document import Document, Sentence
from streams.enrich.entities import EntityLinker
from streams.enrich.kb import load_kb
from streams.enrich.sentences import split_sentences


def corpus() -> list[dict]:
    raws = []
    reference = load_reference_sample()
    if reference is not None:
        raws.append(reference["raw"])
    for folder in (ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR):
        if folder.is_dir():
            raws += [f["raw"] for f in load_fixtures(folder)]
    if not raws:
        sys.exit("no articles: neither the reference sample nor fixtures are present")
    return raws


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # pending-reference warnings are not what is measured here

    load_seconds = median_seconds(load_kb, args.runs)
    kb = load_kb()
    build_seconds = median_seconds(lambda: EntityLinker(kb), args.runs)
    link = EntityLinker(kb)
    clean = Cleaner()

    raws = corpus()
    batch = [raws[i % len(raws)] for i in range(args.articles)]
    day = date(2023, 3, 17)
    size = statistics.mean(len(r.get("text") or r.get("html") or "") for r in raws)

    def clean_all() -> list:
        return [clean(r.get("title"), r.get("text"), r.get("html"), r.get("language")) for r in batch]

    def clean_and_link() -> None:
        for raw in batch:
            cleaned = clean(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))
            doc = Document(cleaned.title, cleaned.text, day)
            doc.sentences = [Sentence(s, e, "title") for s, e in split_sentences(doc.title)]
            doc.sentences += [Sentence(s, e, "text") for s, e in split_sentences(doc.text)]
            link(doc)

    cleaned = clean_all()
    docs = [Document(c.title, c.text, day) for c in cleaned]

    def link_only() -> None:
        for doc in docs:
            link(doc)

    clean_all()  # warm caches once
    clean_seconds = median_seconds(clean_all, args.runs)
    link_seconds = median_seconds(link_only, args.runs)
    total_seconds = median_seconds(clean_and_link, args.runs)

    print(f"knowledge base: {len(kb)} records, {link.index.keys} surface forms, version {kb.version}")
    print(f"kb load (YAML + validation): {load_seconds * 1000:.1f} ms   automaton build: {build_seconds * 1000:.1f} ms")
    print(f"articles: {len(raws)} distinct, {args.articles} per run, mean {size / 1024:.1f} KB, {args.runs} runs (median)")
    print(f"cleaning only:             {args.articles / clean_seconds:,.0f} articles/s")
    print(f"entities only:             {args.articles / link_seconds:,.0f} articles/s")
    print(f"cleaning+sentences+entities: {args.articles / total_seconds:,.0f} articles/s per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
