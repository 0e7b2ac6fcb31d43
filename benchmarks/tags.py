"""How much tagging adds to enrichment: time per article of the entity stage and of tagging.

    python benchmarks/tags.py [--runs N] [--size BYTES] [--against REV]

Articles are the labelled fixtures and the reference sample, each repeated up to about `--size`
bytes of body text (4 KB by default, a typical news story). The entity stage is clean +
sentences + entities, as the pipeline runs it; tagging is `Tagger(doc)` on the document the
entity stage left. Prints the median over `--runs` passes of the time per article of each
stage, and the ratio (target: tagging adds at most a third to the entity stage).

Times are the process's CPU time (`time.process_time`): on a shared machine, wall time also
counts the moments another process holds the CPU. `--against REV` times the tagger of a git
revision (its tags.py, tag_cues.py and taxonomy.yaml) on the same documents in the same passes,
so that before and after are compared within one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evaluation.tags import load_cases  # noqa: E402
from streams.enrich.clean import Cleaner  # noqa: E402
from streams.enrich.document import Document, Sentence  # noqa: E402
from streams.enrich.entities import EntityLinker  # noqa: E402
from streams.enrich.kb import load_kb  # noqa: E402
from streams.enrich.sentences import split_sentences  # noqa: E402
from streams.enrich.tags import Tagger, load_taxonomy  # noqa: E402

REFERENCE_DATE = date(2023, 3, 17)  # roles are dated; any fixed day keeps runs comparable


def articles(size: int) -> list[tuple[str, str]]:
    """(title, body) pairs, each body grown to about `size` characters by repeating its paragraphs."""
    cases, _ = load_cases()
    result = []
    for case in cases:
        title, body = case.raw.get("title") or "", case.raw.get("text") or case.raw.get("html") or ""
        if not body.strip():
            continue
        grown = body
        while len(grown) < size:
            grown += "\n\n" + body
        result.append((title, grown[: max(size, len(body))]))
    return result


def entity_stage(cleaner: Cleaner, link: EntityLinker, title: str, body: str) -> Document:
    cleaned = cleaner(title, body, None, "en")
    doc = Document(cleaned.title, cleaned.text, reference_date=REFERENCE_DATE, language=cleaned.language)
    doc.sentences = [Sentence(s, e, "title") for s, e in split_sentences(doc.title)]
    doc.sentences += [Sentence(s, e, "text") for s, e in split_sentences(doc.text)]
    link(doc)
    return doc


def tagger_at(revision: str, kb) -> Tagger:
    """The Tagger of a past revision, with that revision's taxonomy, beside today's modules.

    Its tags.py and tag_cues.py are loaded as modules of their own; every other import resolves
    to today's package (document, kb, sentences and the taxonomy loader have kept their API).
    """

    def source(path: str) -> str:
        shown = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:{path}"], capture_output=True, text=True)
        if shown.returncode != 0:
            sys.exit(f"--against {revision}: {shown.stderr.strip()}")
        return shown.stdout

    def load(name: str, path: str) -> types.ModuleType:
        module = types.ModuleType(name)
        sys.modules[name] = module  # dataclasses look their module up by name
        code = source(path).replace("from .tag_cues import", "from past_tag_cues import").replace("from .", "from streams.enrich.")
        exec(compile(code, f"{revision}:{path}", "exec"), module.__dict__)
        return module

    load("past_tag_cues", "streams/enrich/tag_cues.py")
    past = load("past_tags", "streams/enrich/tags.py")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as taxonomy:
        taxonomy.write(source("streams/data/taxonomy.yaml"))
    return past.Tagger(past.load_taxonomy(taxonomy.name), kb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--against", metavar="REV", help="also time the tagger of this git revision")
    args = parser.parse_args()

    started = time.perf_counter()
    kb = load_kb()
    cleaner, link = Cleaner(), EntityLinker(kb)
    tag = Tagger(load_taxonomy(), kb)
    load_seconds = time.perf_counter() - started
    past = tagger_at(args.against, kb) if args.against else None
    corpus = articles(args.size)
    if not corpus:
        sys.exit("no articles found (tests/fixtures/tags, tests/fixtures/entities, ../shared/samples)")

    entity_runs, tag_runs, past_runs = [], [], []
    for run in range(args.runs):
        entity_time = tag_time = past_time = 0.0
        for n, (title, body) in enumerate(corpus):
            t0 = time.process_time()
            doc = entity_stage(cleaner, link, title, body)
            entity_time += time.process_time() - t0
            # The tagger that runs first finds the document colder in the caches: take turns.
            order = ((tag, False), (past, True)) if (run + n) % 2 == 0 else ((past, True), (tag, False))
            for tagger, is_past in order:
                if tagger is None:
                    continue
                t1 = time.process_time()
                tagger(doc)
                spent = time.process_time() - t1
                if is_past:
                    past_time += spent
                else:
                    tag_time += spent
        entity_runs.append(entity_time / len(corpus))
        tag_runs.append(tag_time / len(corpus))
        past_runs.append(past_time / len(corpus))

    entity_ms = statistics.median(entity_runs) * 1000
    tag_ms = statistics.median(tag_runs) * 1000
    mean_chars = sum(len(b) for _, b in corpus) / len(corpus)
    print(f"articles: {len(corpus)} of {mean_chars:.0f} characters on average, {args.runs} runs, medians of CPU time")
    print(f"load (kb + taxonomy + compile): {load_seconds * 1000:.1f} ms once")
    print(f"entity stage (clean + sentences + entities): {entity_ms:.3f} ms per article")
    print(f"tagging: {tag_ms:.3f} ms per article")
    print(f"tagging / entity stage: {tag_ms / entity_ms:.2f} (target <= 0.33)")
    if past is not None:
        past_ms = statistics.median(past_runs) * 1000
        print(f"tagging at {args.against}: {past_ms:.3f} ms per article, {past_ms / entity_ms:.2f} of the entity stage")


if __name__ == "__main__":
    main()
