"""Entity-stage throughput: articles per second on one core for cleaning plus entity linking.

    python -m benchmarks.entities [--runs 5] [--articles 2000] [--size 4096] [--profile] [--baseline DIR]

Articles: the crawled reference sample and the labelled fixture articles, each one's body followed
by the bodies of the next ones until it reaches about `--size` characters (4 KB by default, a
typical news story), then cut at the last paragraph or sentence end before that size. Distinct
stories are joined rather than one repeated, so that each article names as many different
entities as a long real one does. The knowledge base is loaded once.

Prints the knowledge-base load and automaton build times, then articles/s (medians of the runs'
CPU time, measured in this one process) for cleaning alone, entities alone (on cleaned documents), and
cleaning + sentences + entities, with the mean article size. `--profile` prints the cProfile
top functions of the entity stage instead.

`--baseline DIR` also times the entity layer of another tree (another revision, e.g. after
`git archive 20d4e0a | tar -x -C DIR`) on the same documents and knowledge base, its runs
alternating with this tree's, so that before and after come from one session on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import importlib.util
import logging
import pstats
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from evaluation.common import ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR, load_fixtures, load_reference_sample
from streams.enrich.clean import Cleaner
from streams.enrich.document import Document, Sentence
from streams.enrich.entities import EntityLinker
from streams.enrich.kb import load_kb
from streams.enrich.sentences import split_sentences

DAY = date(2023, 3, 17)  # roles are dated; a fixed day keeps runs comparable


def corpus() -> list[dict]:
    raws = []
    reference = load_reference_sample()
    if reference is not None:
        raws.append(reference["raw"])
    for folder in (ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR):
        if folder.is_dir():
            raws += [f["raw"] for f in load_fixtures(folder) if f["raw"].get("text")]
    if not raws:
        sys.exit("no articles: neither the reference sample nor fixtures are present")
    return raws


def sized(raws: list[dict], size: int) -> list[dict]:
    """Each article's body grown with the following articles' bodies to about `size` characters."""
    out = []
    for i, raw in enumerate(raws):
        body, j = raw["text"], i + 1
        while len(body) < size:
            body += "\n\n" + raws[j % len(raws)]["text"]
            j += 1
        if len(body) > size:
            cut = max(body.rfind("\n", 0, size), body.rfind(". ", 0, size) + 1)
            body = body[: cut if cut > size // 2 else size]
        out.append({**raw, "text": body.rstrip()})
    return out


def baseline_linker(tree: Path):
    """The `EntityLinker` class of another tree's `streams` package, imported as `baseline_streams`."""
    name = "baseline_streams"
    package = tree / "streams"
    spec = importlib.util.spec_from_file_location(name, package / "__init__.py", submodule_search_locations=[str(package)])
    if spec is None or spec.loader is None:
        sys.exit(f"no streams package in {tree}")
    sys.modules[name] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.enrich.entities").EntityLinker


def median_seconds(action, runs: int) -> float:
    """Median CPU seconds of this process over `runs` calls: per-core cost, steadier than wall time
    on a shared machine."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--size", type=int, default=4096, help="body size in characters (default 4096)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the entity stage")
    parser.add_argument("--baseline", type=Path, help="a tree of another revision whose entity layer to time as well")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # pending-reference warnings are not what is measured here

    load_seconds = median_seconds(load_kb, args.runs)
    kb = load_kb()
    build_seconds = median_seconds(lambda: EntityLinker(kb), args.runs)
    link = EntityLinker(kb)
    clean = Cleaner()

    raws = sized(corpus(), args.size)
    batch = [raws[i % len(raws)] for i in range(args.articles)]
    size = statistics.mean(len(r["text"]) for r in raws)

    def clean_one(raw: dict):
        return clean(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))

    def document(cleaned) -> Document:
        doc = Document(cleaned.title, cleaned.text, DAY)
        doc.sentences = [Sentence(s, e, "title") for s, e in split_sentences(doc.title)]
        doc.sentences += [Sentence(s, e, "text") for s, e in split_sentences(doc.text)]
        return doc

    def clean_all() -> list:
        return [clean_one(r) for r in batch]

    def clean_and_link() -> None:
        for raw in batch:
            link(document(clean_one(raw)))

    docs = [document(c) for c in clean_all()]

    def link_only() -> None:
        for doc in docs:
            link(doc)

    if args.profile:
        link_only()
        profiler = cProfile.Profile()
        profiler.runcall(link_only)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0

    clean_all()  # warm caches once
    clean_seconds = median_seconds(clean_all, args.runs)
    if args.baseline:
        baseline = baseline_linker(args.baseline)(kb)

        def baseline_only() -> None:
            for doc in docs:
                baseline(doc)

        baseline_only()
        link_only()
        baseline_runs, link_runs = [], []
        for _ in range(args.runs):  # alternating, so that both meet the same load
            baseline_runs.append(median_seconds(baseline_only, 1))
            link_runs.append(median_seconds(link_only, 1))
        baseline_seconds, link_seconds = statistics.median(baseline_runs), statistics.median(link_runs)
    else:
        link_seconds = median_seconds(link_only, args.runs)
    total_seconds = median_seconds(clean_and_link, args.runs)

    print(f"knowledge base: {len(kb)} records, {link.index.keys} surface forms, version {kb.version}")
    print(f"kb load (YAML + validation): {load_seconds * 1000:.1f} ms   automaton build: {build_seconds * 1000:.1f} ms")
    print(f"articles: {len(raws)} distinct, {args.articles} per run, mean {size / 1024:.1f} KB, {args.runs} runs (median)")
    print(f"cleaning only:               {args.articles / clean_seconds:,.0f} articles/s")
    if args.baseline:
        print(
            f"entities only, {args.baseline}: {args.articles / baseline_seconds:,.0f} articles/s"
            f" ({baseline_seconds / args.articles * 1000:.3f} ms per article)"
        )
    print(f"entities only:               {args.articles / link_seconds:,.0f} articles/s ({link_seconds / args.articles * 1000:.3f} ms per article)")
    print(f"cleaning+sentences+entities: {args.articles / total_seconds:,.0f} articles/s per core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
