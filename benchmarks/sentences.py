"""Time of sentence splitting: per body of news text and per article (title + body).

    python benchmarks/sentences.py [--runs N] [--size BYTES] [--against REV]

Articles are the labelled fixtures and the reference sample, each body repeated up to about
`--size` characters (4 KB by default, a typical news story), as in benchmarks/tags.py. Prints the
median over `--runs` passes of the CPU time (`time.process_time`) of `split_sentences` per body
and per article. `--against REV` also times the sentences.py of a git revision on the same texts
in the same passes, taking turns over which goes first, and checks that both give the same spans.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.tags import articles  # noqa: E402
from streams.enrich.sentences import split_sentences  # noqa: E402


def splitter_at(revision: str):
    """`split_sentences` of sentences.py as it was at `revision`."""
    shown = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{revision}:streams/enrich/sentences.py"], capture_output=True, text=True
    )
    if shown.returncode != 0:
        sys.exit(f"--against {revision}: {shown.stderr.strip()}")
    module = types.ModuleType("past_sentences")
    exec(compile(shown.stdout, f"{revision}:streams/enrich/sentences.py", "exec"), module.__dict__)
    return module.split_sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--against", metavar="REV", help="also time sentences.py of this git revision")
    args = parser.parse_args()

    corpus = articles(args.size)
    if not corpus:
        sys.exit("no articles found (tests/fixtures/tags, tests/fixtures/entities, ../shared/samples)")
    splitters = {"now": split_sentences}
    if args.against:
        past = splitter_at(args.against)
        differing = sum(past(text) != split_sentences(text) for article in corpus for text in article)
        splitters[args.against] = past

    body_runs: dict[str, list[float]] = {name: [] for name in splitters}
    title_runs: dict[str, list[float]] = {name: [] for name in splitters}
    for run in range(args.runs):
        # Whichever goes first finds the texts colder in the caches: take turns.
        order = list(splitters.items()) if run % 2 == 0 else list(reversed(splitters.items()))
        for name, split in order:
            t0 = time.process_time()
            for title, _ in corpus:
                split(title)
            t1 = time.process_time()
            for _, body in corpus:
                split(body)
            t2 = time.process_time()
            title_runs[name].append((t1 - t0) / len(corpus))
            body_runs[name].append((t2 - t1) / len(corpus))

    mean_chars = sum(len(b) for _, b in corpus) / len(corpus)
    print(f"articles: {len(corpus)}, bodies of {mean_chars:.0f} characters on average, {args.runs} runs")
    print("medians of CPU time per pass")
    for name in splitters:
        body_ms = statistics.median(body_runs[name]) * 1000
        article_ms = body_ms + statistics.median(title_runs[name]) * 1000
        print(f"{name:>10}: {body_ms:.4f} ms per body, {article_ms:.4f} ms per article")
    if args.against:
        now_ms = statistics.median(body_runs["now"])
        past_ms = statistics.median(body_runs[args.against])
        print(f"{args.against} / now per body: {past_ms / now_ms:.1f}x; texts split differently: {differing}")


if __name__ == "__main__":
    main()
