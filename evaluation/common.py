"""Shared pieces of the quality evaluations: loading labelled articles and scoring counts.

A labelled article ("fixture") is one JSON file as described in `tests/fixtures/LABELLING.md`:
``{"about": ..., "raw": {...raw article...}, "labels": {"tags": [...], "entities": {...}, "roles": {...}}}``.
`load_fixtures` reads a folder of them; `load_reference_sample` turns the crawled reference page in
`../shared/samples` into the same shape, and `load_page_fixtures` the labelled crawled pages of
`tests/fixtures/pages`; `Counts` and `prf` turn true-positive, false-positive and false-negative
counts into precision, recall and F1.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
ENTITY_FIXTURES_DIR = FIXTURES_DIR / "entities"
TAG_FIXTURES_DIR = FIXTURES_DIR / "tags"
PAGE_FIXTURES_DIR = FIXTURES_DIR / "pages"
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "samples"

ENTITY_TYPES = ("PERSON", "ORG", "GPE")

# The reference sample: a real crawled page with its hand labels.
REFERENCE_NAME = "greekreporter-xi-russia"
REFERENCE_RAW = {
    "id": "reference-greekreporter-xi-russia",
    "url": "https://greekreporter.com/2023/03/17/china-xi-visit-russia-support-putin/",
    "title": "China’s Xi to visit Russia in Show of Support for Putin",
    "published_at": "2023-03-17",
    "source": "Greek Reporter",
}


class FixtureError(ValueError):
    """A labelled-article file that cannot be used, with the file named in the message."""


def _check_fixture(data: object, where: str) -> dict:
    if not isinstance(data, dict):
        raise FixtureError(f"{where}: top level must be a JSON object")
    raw, labels = data.get("raw"), data.get("labels")
    if not isinstance(raw, dict):
        raise FixtureError(f"{where}: 'raw' must be an object")
    if not isinstance(raw.get("url"), str) or not raw["url"]:
        raise FixtureError(f"{where}: raw.url is required")
    if not any(isinstance(raw.get(k), str) and raw[k].strip() for k in ("text", "html")):
        raise FixtureError(f"{where}: raw needs a non-empty 'text' or 'html'")
    if not isinstance(labels, dict):
        raise FixtureError(f"{where}: 'labels' must be an object")
    if not isinstance(labels.get("tags"), list):
        raise FixtureError(f"{where}: labels.tags must be a list")
    entities = labels.get("entities")
    if entities is not None:
        if not isinstance(entities, dict) or set(entities) - set(ENTITY_TYPES):
            raise FixtureError(f"{where}: labels.entities must map PERSON/ORG/GPE to lists")
        for kind, names in entities.items():
            if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
                raise FixtureError(f"{where}: labels.entities.{kind} must be a list of names")
    roles = labels.get("roles")
    if roles is not None and not (
        isinstance(roles, dict) and all(isinstance(v, str) for v in roles.values())
    ):
        raise FixtureError(f"{where}: labels.roles must map person names to role titles")
    return data


def load_fixture(path: str | Path) -> dict:
    """Read and check one labelled article; adds ``"path"`` (the file) to the returned dict."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"{path}: {exc}") from exc
    data = _check_fixture(data, str(path))
    data["path"] = str(path)
    return data


def load_fixtures(folder: str | Path) -> list[dict]:
    """Every ``*.json`` labelled article in `folder` (not recursive), in file-name order.

    Raises FixtureError naming the file when one is malformed, FileNotFoundError when the
    folder does not exist.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no fixture folder {folder}")
    return [load_fixture(p) for p in sorted(folder.glob("*.json"))]


def load_reference_sample(samples_dir: str | Path | None = None) -> dict | None:
    """The crawled reference page as a fixture-shaped dict, or None when the samples are absent.

    The page text goes in as crawled (ad line, breadcrumb and footer included); its expected
    labels come from ``<name>.expected.json`` (``roles_on_that_date`` becomes ``roles``).
    """
    folder = Path(samples_dir) if samples_dir is not None else SAMPLES_DIR
    text_path = folder / f"{REFERENCE_NAME}.txt"
    labels_path = folder / f"{REFERENCE_NAME}.expected.json"
    if not (text_path.is_file() and labels_path.is_file()):
        return None
    expected = json.loads(labels_path.read_text(encoding="utf-8"))
    raw = dict(REFERENCE_RAW)
    raw["text"] = text_path.read_text(encoding="utf-8")
    raw["published_at"] = expected.get("published_at", raw["published_at"])
    raw["source"] = expected.get("source", raw["source"])
    data = {
        "about": expected.get("about", "reference sample"),
        "raw": raw,
        "labels": {
            "tags": list(expected.get("tags", [])),
            "entities": expected.get("entities", {}),
            "roles": expected.get("roles_on_that_date", {}),
        },
    }
    data = _check_fixture(data, str(labels_path))
    data["path"] = str(text_path)
    return data


def page_fixture(page: dict, where: str) -> dict:
    """A crawled-page fixture (`tests/fixtures/pages`) in the labelled-article shape.

    The whole page (navigation, ads, comments and all) becomes the raw article's `text`, or its
    `html` for a page of kind html; `story` and `boilerplate` (the lines that must and must not
    survive cleaning) are kept beside `raw` and `labels`.
    """
    if not isinstance(page, dict):
        raise FixtureError(f"{where}: top level must be a JSON object")
    body = "html" if page.get("kind") == "html" else "text"
    raw = {"id": page.get("id") or Path(where).stem, "url": page.get("url"), "title": page.get("title"), body: page.get("page")}
    for key in ("published_at", "source", "language"):
        if page.get(key) is not None:
            raw[key] = page[key]
    data = _check_fixture(
        {"about": page.get("layout", ""), "raw": raw, "labels": page.get("labels")}, where
    )
    data["story"] = list(page.get("story") or ())
    data["boilerplate"] = list(page.get("boilerplate") or ())
    return data


def load_page_fixtures(folder: str | Path | None = None) -> list[dict]:
    """The crawled pages of `folder` (default tests/fixtures/pages) that carry labels, in file-name
    order, each as `page_fixture` makes it with ``"path"`` added; pages without labels are left out.

    Raises FixtureError naming the file when one is malformed, FileNotFoundError when the
    folder does not exist.
    """
    folder = Path(folder) if folder is not None else PAGE_FIXTURES_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"no page fixture folder {folder}")
    pages = []
    for path in sorted(folder.glob("*.json")):
        try:
            page = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FixtureError(f"{path}: {exc}") from exc
        if isinstance(page, dict) and "labels" not in page:
            continue
        data = page_fixture(page, str(path))
        data["path"] = str(path)
        pages.append(data)
    return pages


@dataclass
class Counts:
    """True positives, false positives and false negatives; add them up with ``+=``."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def scores(self) -> dict:
        return prf(self.tp, self.fp, self.fn)


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 from counts, with the counts themselves.

    An empty denominator counts as perfect only when there was nothing to get wrong: with no
    predictions precision is 1.0 if there was also nothing to find, else 0.0; likewise recall
    with no labels is 1.0 if nothing was predicted, else 0.0.
    """
    if min(tp, fp, fn) < 0:
        raise ValueError("counts must not be negative")
    if tp + fp:
        precision = tp / (tp + fp)
    else:
        precision = 1.0 if fn == 0 else 0.0
    if tp + fn:
        recall = tp / (tp + fn)
    else:
        recall = 1.0 if fp == 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def progress(done: int, total: int, what: str = "") -> None:
    """One progress line on stderr, rewritten in place on a terminal."""
    line = f"[{done}/{total}] {what}"
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        sys.stderr.write("\r\033[K" + line + end)
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def format_row(name: str, scores: dict) -> str:
    """One line of a score table: name, P, R, F1 and the counts."""
    return (
        f"{name:<10} P={scores['precision']:.3f}  R={scores['recall']:.3f}  "
        f"F1={scores['f1']:.3f}  (tp={scores['tp']} fp={scores['fp']} fn={scores['fn']})"
    )
