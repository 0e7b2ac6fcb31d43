"""Cleaning throughput: articles per second on one core, for text input and for HTML input.

    python -m benchmarks.clean [--runs 5] [--articles 2000] [--against REV] [--forget]

Articles: the reference sample and the labelled fixtures, each extended with the next ones'
paragraphs to about 4 KB of text (a typical news story). The HTML input
wraps each article's paragraphs in a page with the usual chrome (head, scripts, navigation,
share buttons, related links, footer, cookie banner). Prints articles/s for each (median of the
runs, CPU time of this process) with the mean input size, then the time to clean a few HTML
bombs once each.

`--against REV` also builds the cleaner of a git revision (its clean*.py, datafile.py and data
files, loaded as a package of their own) and times both on the same articles in the same run,
taking turns at going first; it also counts the articles whose cleaned output differs.

The cleaner remembers what each short line matched, and the sample's articles repeat one another's
lines more than a live stream does: `--forget` has it forget before every article (the cost of
an article none of whose lines was seen before).
"""

from __future__ import annotations

import argparse
import html
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.entities import corpus, median_seconds
from streams.enrich.clean import Cleaner

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Example News</title>
<meta property="og:title" content="{title}"><meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="/static/site.css"><script>window.dataLayer=[];function gtag(){{dataLayer.push(arguments)}}</script>
<style>.share a{{margin:0 4px}} .ad-slot{{min-height:250px}}</style></head>
<body class="single-post"><header class="site-header"><a href="/" class="logo">Example News</a>
<nav><ul><li><a href="/world">World</a></li><li><a href="/europe">Europe</a></li><li><a href="/business">Business</a></li>
<li><a href="/opinion">Opinion</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Home</a> &raquo; <a href="/world">World</a></div>
<main><article class="post"><h1>{title}</h1><div class="byline">By Example Staff &middot; <time>17 March 2023</time></div>
<div class="share-buttons"><a>Facebook</a><a>Twitter</a><a>Email</a></div>
<figure><img src="/img/lead.jpg" alt=""><figcaption>Leaders meet. Credit: Pool</figcaption></figure>
{paragraphs}
<div class="ad-slot" id="ad-mid"><span>Advertisement</span></div>
<div class="tags">Tags: <a>World</a> <a>Diplomacy</a></div></article>
<aside class="related"><h3>Related Posts</h3><ul><li><a>Another story</a></li><li><a>And another one</a></li></ul></aside></main>
<footer><p>&copy; 2023 Example News. All rights reserved.</p><a>Privacy</a> | <a>Terms</a></footer>
<div id="cookie-consent">We use cookies to improve your experience. <button>Accept</button></div>
<script src="/static/app.js"></script></body></html>"""


ARTICLE_CHARS = 4000


def four_kb_articles(count: int) -> list[dict]:
    """`count` articles of about ARTICLE_CHARS characters, language left for the cleaner to detect."""
    base = corpus()
    articles = []
    for i in range(count):
        raw = base[i % len(base)]
        text, j = raw.get("text") or "", i + 1
        while len(text) < ARTICLE_CHARS:
            text += "\n\n" + (base[j % len(base)].get("text") or "")
            j += 1
        articles.append({"title": raw.get("title"), "text": text[: ARTICLE_CHARS + 1000], "html": None, "language": None})
    return articles


def as_page(raw: dict) -> dict:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in (raw.get("text") or "").split("\n") if p.strip())
    title = html.escape(raw.get("title") or "")
    return {"title": None, "text": None, "html": PAGE.format(title=title, paragraphs=paragraphs), "language": raw.get("language")}


def bombs() -> dict[str, str]:
    return {
        "nesting 100,000 deep": "<div>" * 100_000 + "text" + "</div>" * 100_000,
        "100,000 distinct attributes": "<div " + " ".join(f"a{i}=1" for i in range(100_000)) + ">text</div>",
        "10 MB of <div>": "<div>" * 2_000_000,
        "10 MB of flat <p>": "<p>Talks.</p>" * 800_000,
    }


REPO = Path(__file__).resolve().parent.parent


def throughput(clean: Cleaner, raws: list[dict], runs: int, forget: bool = False) -> float:
    # A revision from before the cleaner remembered lines has nothing to forget.
    forget_lines = getattr(clean.remove_boilerplate, "forget", None) if forget else None

    def run() -> None:
        for raw in raws:
            if forget_lines is not None:
                forget_lines()
            clean(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))

    return len(raws) / median_seconds(run, runs)


def cleaner_at(revision: str) -> Cleaner:
    """The Cleaner of a past revision: its cleaning modules and data files, as a package of their own."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"--against {revision}: {done.stderr.strip()}")
        return done.stdout

    root = Path(tempfile.mkdtemp(prefix="clean_at_"))
    package = f"past_{revision.replace('~', '_').replace('^', '_').replace('/', '_')}"
    (root / package / "enrich").mkdir(parents=True)
    (root / package / "data").mkdir()
    for init in (root / package / "__init__.py", root / package / "enrich" / "__init__.py"):
        init.write_text("")
    for path in git("ls-tree", "--name-only", f"{revision}:streams/enrich").split():
        if path.startswith("clean") and path.endswith(".py") or path == "datafile.py":
            (root / package / "enrich" / path).write_text(git("show", f"{revision}:streams/enrich/{path}"))
    for path in git("ls-tree", "--name-only", f"{revision}:streams/data").split():
        if path.endswith(".yaml"):
            (root / package / "data" / path).write_text(git("show", f"{revision}:streams/data/{path}"))
    sys.path.insert(0, str(root))
    return importlib.import_module(f"{package}.enrich.clean").Cleaner()


def compare(now: Cleaner, past: Cleaner, raws: list[dict], runs: int, forget: bool = False) -> tuple[float, float, int]:
    """Articles/s of `now` and `past` (medians, taking turns at going first) and how many outputs differ."""
    rates: dict[int, list[float]] = {0: [], 1: []}
    for turn in range(runs):
        for which in (turn % 2, 1 - turn % 2):
            rates[which].append(throughput((now, past)[which], raws, 1, forget))
    differing = 0
    for raw in raws:
        a = now(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))
        b = past(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))
        differing += (a.title, a.text, a.language, a.removed_lines) != (b.title, b.text, b.language, b.removed_lines)
    return statistics.median(rates[0]), statistics.median(rates[1]), differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--against", metavar="REV", help="also time the cleaner of this git revision")
    parser.add_argument("--forget", action="store_true", help="forget what lines matched before every article")
    args = parser.parse_args(argv)

    texts = four_kb_articles(args.articles)
    pages = [as_page(raw) for raw in texts]
    started = time.perf_counter()
    clean = Cleaner()
    clean(None, "Warm-up text long enough for the language model to load once before timing.", None)
    print(f"cleaner build + language model load: {time.perf_counter() - started:.3f} s")

    past = None
    if args.against:
        past = cleaner_at(args.against)
        past(None, "Warm-up text long enough for the language model to load once before timing.", None)

    for name, raws, field in (("text", texts, "text"), ("html", pages, "html")):
        size = statistics.mean(len(raw[field]) for raw in raws)
        about = f"(mean input {size / 1000:.1f} KB, {len(raws)} articles, median of {args.runs} runs)"
        if past is None:
            rate = throughput(clean, raws, args.runs, args.forget)
            print(f"{name:>4} input: {rate:8.0f} articles/s, {1000 / rate:.3f} ms each  {about}")
            continue
        rate, past_rate, differing = compare(clean, past, raws, args.runs, args.forget)
        print(f"{name:>4} input: {rate:8.0f} articles/s, {1000 / rate:.3f} ms each  {about}")
        print(f"{'':>4}   at {args.against}: {past_rate:8.0f} articles/s, {1000 / past_rate:.3f} ms each; x{rate / past_rate:.1f}; "
              f"{differing} of {len(raws)} outputs differ")

    for name, page in bombs().items():
        started = time.perf_counter()
        result = clean(None, None, page)
        print(f"bomb {name:>28}: {time.perf_counter() - started:6.3f} s, {len(result.text)} chars out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
