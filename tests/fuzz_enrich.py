"""Mutation fuzzing of the enrichment core on real prose: not a test run by pytest, a tool to run for a while.

    python -m tests.fuzz_enrich [--seconds 300] [--seed 1] [--keep DIR]

Takes the labelled fixture articles (prose dense with the names, cues and datelines the rules
read), mutates their text and titles (inserted spacing, punctuation, other scripts' letters,
combining marks, abbreviations, tags; cut, copied and re-cased stretches), sends a fifth of them
as HTML pages, and enriches each, checking
what `tests/test_enrich_properties.py` checks on generated text: nothing raises, and every
mention and evidence offset slices, in the field it names, to the text it reports. Rare
combinations of real words and odd characters are what random text seldom reaches.

Prints a progress line every 10 seconds; each failing input is written to `--keep` as JSON (a raw
article `geowire enrich` takes) with its traceback beside it. Exits 1 when any input failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
import traceback
from pathlib import Path

from evaluation.common import ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR, load_fixtures
from streams.enrich import Enricher

from .test_enrich_properties import offsets_hold

INSERTS = [
    "\u200b", "\u00a0", "’", "'", "-", "—", ".", ",", "(", ")", "\n", "\n\n", " ", "\t", "\r", "\x85", "\u2028", "\ufeff",
    "é", "İ", "ı", "ß", "ẞ", "ﬁ", "Ⅻ", "𝐀", "ⓐ", "ǅ", "ʼ", "ʻ", "K", "Å", "\u0301", "習", "Путин", "(IER)", " (", "A.",
    "St.", "Mr.", "U.S.", "’s", "'s ", "said ", " and ", "RICHMOND, Va. — ", "<br>", "</p><p>", "<b>", "&amp;", "&#x85;",
    "<script>", "<div class='ad'>", "<!--",
]


def mutate(rnd: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rnd.randint(1, 30)):
        at = rnd.randrange(len(chars) + 1)
        roll = rnd.random()
        if roll < 0.4:
            chars[at:at] = list(rnd.choice(INSERTS))
        elif roll < 0.6 and chars:
            del chars[at : at + rnd.randint(1, 5)]
        elif roll < 0.8 and chars:
            start = rnd.randrange(len(chars))
            chars[at:at] = chars[start : start + rnd.randint(1, 40)]
        elif at < len(chars):
            chars[at] = chars[at].upper() if rnd.random() < 0.5 else chars[at].lower()
    return "".join(chars)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-failures"), help="folder for failing inputs (default ./fuzz-failures)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    texts = [f["raw"]["text"] for folder in (ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR) for f in load_fixtures(folder) if f["raw"].get("text")]
    if not texts:
        sys.exit("no fixture articles to mutate")
    enricher = Enricher()
    rnd = random.Random(args.seed)
    runs = failures = 0
    started = last_report = time.monotonic()
    while time.monotonic() - started < args.seconds:
        text = mutate(rnd, rnd.choice(texts))
        if rnd.random() < 0.2:  # as a page: paragraphs in elements, with stray tags and entities mutated in
            html = "<html><body><article><p>" + text.replace("\n\n", "</p>\n<p>") + "</p></article></body></html>"
            raw = {"url": "https://example.org/fuzz", "html": mutate(rnd, html)}
        else:
            raw = {"url": "https://example.org/fuzz", "text": text}
        if rnd.random() < 0.7:
            raw["title"] = mutate(rnd, rnd.choice(texts)[: rnd.randint(0, 120)])
        try:
            offsets_hold(enricher.enrich(raw))
        except Exception:  # noqa: BLE001 - every failure is what is looked for
            failures += 1
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"failure-{args.seed}-{failures}.json").write_text(json.dumps(raw, ensure_ascii=False))
            (args.keep / f"failure-{args.seed}-{failures}.txt").write_text(traceback.format_exc())
        runs += 1
        if time.monotonic() - last_report >= 10:
            last_report = time.monotonic()
            print(f"fuzz: {runs:,} articles in {last_report - started:.0f} s, {failures} failed", file=sys.stderr)
    print(f"fuzz: {runs:,} articles in {time.monotonic() - started:.0f} s (seed {args.seed}), {failures} failed"
          + (f": inputs and tracebacks in {args.keep}/" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
