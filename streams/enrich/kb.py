"""The knowledge base: states, places, persons with dated roles and organisations, from YAML files.

`load_kb()` reads every `*.yaml` in `streams/data/kb/` (shapes in FORMAT.md), validates it
strictly and returns a `KnowledgeBase` of immutable `Record`s keyed by id. Every error names the
file and line. `roles.yaml` (role phrases) and `cues.yaml` (news-writing cues) are vocabularies
for the entity linker and are loaded alongside, by `kb_vocabulary`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from .datafile import DATA_DIR, DataFileError, LineDict, line_of, load_versioned
from .kb_vocabulary import ROLE_KINDS, VOCABULARY_FILES, Cues, RolePhrases, load_cues, load_role_phrases

log = logging.getLogger(__name__)

KB_DIR = DATA_DIR / "kb"

KINDS = {
    "GPE": frozenset({"country", "city", "region", "continent", "sea", "former-state"}),
    "ORG": frozenset(
        {"international", "ministry", "agency", "armed-forces", "company", "armed-group", "media",
         "party", "seat", "other"}
    ),
    "PERSON": frozenset({"person"}),
}

# Which types and kinds an id prefix admits: the prefix is part of the id contract.
PREFIXES = {
    "country": ("GPE", {"country"}),
    "city": ("GPE", {"city"}),
    "region": ("GPE", {"region"}),
    "place": ("GPE", {"continent", "sea", "region", "city", "former-state"}),
    "person": ("PERSON", {"person"}),
    "org": ("ORG", set(KINDS["ORG"])),
}

STATUSES = frozenset({"un-member", "un-observer", "partially-recognised"})

COMMON_KEYS = frozenset(
    {"id", "type", "kind", "name", "aliases", "acronyms", "ambiguous", "context", "local_context", "country", "qid",
     "stands_for"}
)
EXTRA_KEYS = {
    "country": frozenset({"iso2", "iso3", "official", "short", "demonyms", "capital", "status"}),
    "GPE": frozenset({"short", "demonyms"}),
    "PERSON": frozenset({"short", "famous", "roles"}),
    "ORG": frozenset({"short", "portfolio", "members", "part_of"}),
}
REQUIRED_KEYS = ("id", "type", "kind", "name")
ROLE_KEYS = frozenset({"title", "role", "of", "from", "to"})
ROLE_REQUIRED = ("title", "role", "of", "from")

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ISO3 = re.compile(r"[A-Z]{3}")
_ISO2 = re.compile(r"[A-Z]{2}")
_QID = re.compile(r"Q[1-9][0-9]*")
_ACRONYM = re.compile(r"(?=.*[A-Z])[A-Z0-9&./\-]+")
_ID = re.compile(r"(country|city|region|place|person|org):\S+")


@dataclass(frozen=True, slots=True)
class Role:
    """One dated office: `to` is None while in office."""

    title: str
    role: str
    of: str
    start: date
    end: date | None = None
    line: int | None = field(default=None, compare=False)  # where the data file states it

    def valid_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "role": self.role,
            "of": self.of,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True, slots=True)
class Record:
    """One knowledge-base entry; also readable like a mapping (`record["name"]`)."""

    id: str
    type: str
    kind: str
    name: str
    country: str | None = None
    qid: str | None = None
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    # words written right before / right after an ambiguous form that support it where it stands
    context_before: tuple[str, ...] = ()
    context_after: tuple[str, ...] = ()
    stands_for: tuple[str, ...] = ()
    short: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    official: str | None = None
    iso2: str | None = None
    iso3: str | None = None
    capital: str | None = None
    status: str | None = None
    famous: bool = False
    roles: tuple[Role, ...] = ()
    portfolio: str | None = None
    members: tuple[str, ...] = ()
    part_of: str | None = None  # the body an organisation is an institution or agency of
    source: str = field(default="", compare=False)  # "file:line", for messages

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def roles_on(self, day: date) -> list[Role]:
        return [r for r in self.roles if r.valid_on(day)]


_RECORD_FIELDS = {f.name for f in fields(Record)}


@dataclass
class KnowledgeBase:
    """Records by id, the linker's vocabularies, and a version naming every file's version."""

    version: str = "empty"
    entities: dict[str, Record] = field(default_factory=dict)
    role_phrases: RolePhrases = field(default_factory=RolePhrases)
    cues: Cues = field(default_factory=Cues)
    by_iso3: dict[str, Record] = field(default_factory=dict)
    warnings: list[DataFileError] = field(default_factory=list)

    def __getitem__(self, kb_id: str) -> Record:
        return self.entities[kb_id]

    def __contains__(self, kb_id: object) -> bool:
        return kb_id in self.entities

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.entities.values())

    def get(self, kb_id: str) -> Record | None:
        return self.entities.get(kb_id)

    def country(self, iso3: str) -> Record | None:
        """The country record for an ISO alpha-3 code."""
        return self.by_iso3.get(iso3)


class KnowledgeBaseErrors(DataFileError):
    """Every problem found in the knowledge base; the first one is this error's file and line."""

    def __init__(self, problems: list[DataFileError]):
        self.problems = problems
        first = problems[0]
        more = "".join(f"\n  {p}" for p in problems[1:])
        extra = f" (and {len(problems) - 1} more:{more})" if len(problems) > 1 else ""
        super().__init__(first.path, first.line, first.reason + extra)


def load_kb(
    directory: str | Path | None = None, *, strict: bool = True, require_role_targets: bool = False
) -> KnowledgeBase:
    """Load and validate every `*.yaml` in `directory` (default `streams/data/kb/`).

    Raises DataFileError (a `KnowledgeBaseErrors` listing all of them) naming file and line.
    A role's `of` may name a body the organisations file does not hold yet: that is a warning
    (in `KnowledgeBase.warnings`, with file and line) unless `require_role_targets`.
    With `strict=False` problems are logged instead: malformed records and files are left out,
    records naming ids no file holds yet stay in, so that work in progress on one data file does
    not stop the rest from loading.
    """
    folder = Path(directory) if directory is not None else KB_DIR
    if not folder.is_dir():
        raise DataFileError(folder, None, "knowledge-base folder not found")
    problems: list[DataFileError] = []
    versions: list[str] = []
    raw_records: list[tuple[Path, LineDict]] = []
    kb = KnowledgeBase()
    for path in sorted(folder.glob("*.yaml")):
        if path.name in VOCABULARY_FILES:
            continue
        try:
            version, items = load_versioned(path, "entities")
        except DataFileError as exc:
            problems.append(exc)
            continue
        versions.append(f"{path.stem}@{version}")
        raw_records += [(path, item) for item in items]

    records: dict[str, tuple[Path, LineDict, dict]] = {}
    for path, item in raw_records:
        try:
            values = _record_values(path, item)
        except DataFileError as exc:
            problems.append(exc)
            continue
        if values["id"] in records:
            first_path, first_item, _ = records[values["id"]]
            problems.append(
                DataFileError(path, line_of(item), f"duplicate id {values['id']!r} (first at {first_path.name}:{line_of(first_item)})")
            )
            continue
        records[values["id"]] = (path, item, values)

    iso3s = {v["iso3"] for _, _, v in records.values() if v.get("iso3")}
    for path, item, values in records.values():
        for line, message, is_role in _dangling_references(values, records, iso3s):
            problem = DataFileError(path, line or line_of(item), message)
            if is_role and not require_role_targets:
                kb.warnings.append(problem)
                log.warning("knowledge base: %s", problem)
            else:
                problems.append(problem)

    for path in (folder / name for name in VOCABULARY_FILES):
        if not path.exists():
            continue
        try:
            if path.name == "roles.yaml":
                kb.role_phrases = load_role_phrases(path)
            else:
                kb.cues = load_cues(path)
            vocabulary = kb.role_phrases if path.name == "roles.yaml" else kb.cues
            versions.append(f"{path.stem}@{vocabulary.version}")
        except DataFileError as exc:
            problems.append(exc)

    if problems and strict:
        raise KnowledgeBaseErrors(problems)
    if problems:
        # Records naming ids not yet written stay in; the linker treats a missing target as absent.
        log.warning("knowledge base: %d problems, first: %s", len(problems), "; ".join(map(str, problems[:5])))

    for kb_id, (_, _, values) in records.items():
        kb.entities[kb_id] = Record(**values)
    kb.by_iso3 = {r.iso3: r for r in kb.entities.values() if r.iso3}
    for record in derived_institutions(kb):
        kb.entities.setdefault(record.id, record)
    kb.version = "+".join(versions) or "empty"
    return kb


# The institutions every state has, derived for each state no record gives one of (FORMAT.md,
# "Derived institutions"): (portfolio, id prefix, kind, name before the country's name).
DERIVED_INSTITUTIONS = (
    ("foreign-affairs", "org:mfa-", "ministry", "Ministry of Foreign Affairs of "),
    ("defence", "org:mod-", "ministry", "Ministry of Defence of "),
    ("parliament", "org:parliament-", "other", "Parliament of "),
)
DERIVED = "derived from "  # how a derived record's `source` opens
# States without a parliament: the Holy See is an absolute monarchy.
_NO_PARLIAMENT = frozenset({"VAT"})


def derived_institutions(kb: KnowledgeBase) -> list[Record]:
    """A foreign ministry, a defence ministry and a parliament for every state that has no record of it."""
    held = {(r.country, r.portfolio) for r in kb if r.type == "ORG" and r.portfolio and r.country}
    out: list[Record] = []
    for country in kb.by_iso3.values():
        if country.kind != "country":
            continue
        for portfolio, prefix, kind, name in DERIVED_INSTITUTIONS:
            if (country.iso3, portfolio) in held or (portfolio == "parliament" and country.iso3 in _NO_PARLIAMENT):
                continue
            out.append(
                Record(
                    id=f"{prefix}{country.iso3.lower()}", type="ORG", kind=kind, name=name + country.name,
                    country=country.iso3, portfolio=portfolio, source=DERIVED + country.source,
                )
            )
    return out


def _record_values(path: Path, item: LineDict) -> dict:
    """Check one record's shape and return the keyword arguments of its `Record`."""
    line = line_of(item)

    def fail(message: str) -> DataFileError:
        return DataFileError(path, line, f"{item.get('id', '(no id)')}: {message}")

    for key in REQUIRED_KEYS:
        if key not in item:
            raise fail(f"missing required key {key!r}")
        if not isinstance(item[key], str) or not item[key].strip():
            raise fail(f"{key!r} must be a non-empty string")
    kb_id, type_, kind = item["id"], item["type"], item["kind"]
    prefix, _, slug = kb_id.partition(":")
    if prefix not in PREFIXES:
        raise fail(f"unknown id prefix {prefix!r} (one of {sorted(PREFIXES)})")
    if prefix == "country":
        if not _ISO3.fullmatch(slug):
            raise fail("a country id is 'country:' and the ISO alpha-3 code, e.g. country:CHN")
    elif not _SLUG.fullmatch(slug):
        raise fail(f"bad slug {slug!r}: lower-case ASCII letters and digits joined by '-'")
    if type_ not in KINDS:
        raise fail(f"unknown type {type_!r} (GPE, ORG or PERSON)")
    if kind not in KINDS[type_]:
        raise fail(f"unknown kind {kind!r} for type {type_} (one of {sorted(KINDS[type_])})")
    want_type, want_kinds = PREFIXES[prefix]
    if type_ != want_type or kind not in want_kinds:
        raise fail(f"id prefix {prefix!r} does not admit type {type_} kind {kind}")

    allowed = COMMON_KEYS | EXTRA_KEYS["country" if prefix == "country" else type_]
    unknown = set(item) - allowed
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")

    values: dict[str, Any] = {"id": kb_id, "type": type_, "kind": kind, "name": item["name"].strip()}
    values["source"] = f"{path.name}:{line}"
    for key in ("aliases", "acronyms", "ambiguous", "context", "short", "demonyms", "members"):
        if key in item:
            values[key] = _strings(item[key], key, fail)
    for key in ("aliases", "ambiguous", "short"):
        if key in values:
            values[key] = _with_endings(values[key], key, values["name"], fail)
    for key in ("official", "portfolio", "capital", "status", "qid", "iso2", "iso3", "country", "part_of"):
        if key in item:
            if not isinstance(item[key], str) or not item[key].strip():
                raise fail(f"{key!r} must be a non-empty string")
            values[key] = item[key].strip()
    if "local_context" in item:
        local = item["local_context"]
        if not isinstance(local, dict) or not local or set(local) - {"before", "after"}:
            raise fail("'local_context' must be a mapping with 'before' and/or 'after' lists")
        for key in ("before", "after"):
            if key in local:
                values[f"context_{key}"] = _strings(local[key], f"local_context.{key}", fail)
        if not values.get("ambiguous"):
            raise fail("'local_context' supports an ambiguous form: list it in 'ambiguous'")
    if "stands_for" in item:
        target = item["stands_for"]
        values["stands_for"] = (target,) if isinstance(target, str) else _strings(target, "stands_for", fail)
    if "famous" in item:
        if not isinstance(item["famous"], bool):
            raise fail("'famous' must be true or false")
        values["famous"] = item["famous"]

    for acronym in values.get("acronyms", ()):
        if not _ACRONYM.fullmatch(acronym):
            raise fail(f"acronym {acronym!r} must be written in capitals")
    if "qid" in values and not _QID.fullmatch(values["qid"]):
        raise fail(f"bad Wikidata id {values['qid']!r} (Q and digits)")
    if "country" in values and not _ISO3.fullmatch(values["country"]):
        raise fail(f"'country' must be an ISO alpha-3 code, got {values['country']!r}")
    if "status" in values and values["status"] not in STATUSES:
        raise fail(f"unknown status {values['status']!r} (one of {sorted(STATUSES)})")
    if prefix == "country":
        for key in ("iso2", "iso3"):
            if key not in values:
                raise fail(f"missing required key {key!r}")
        if not _ISO2.fullmatch(values["iso2"]):
            raise fail(f"bad ISO alpha-2 code {values['iso2']!r}")
        if values["iso3"] != slug:
            raise fail(f"iso3 {values['iso3']!r} does not match the id {kb_id!r}")
        if values.setdefault("country", slug) != slug:
            raise fail(f"a country's 'country' must be its own code {slug}")
    if "roles" in item:
        if not isinstance(item["roles"], list):
            raise fail("'roles' must be a list")
        values["roles"] = tuple(_role(path, role, kb_id, line) for role in item["roles"])
    return values


def _strings(value: object, key: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"{key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


# Case endings written into a form: "Москв(а|ы|е|у|ой)", "Путин(|а|у|ым|е)".
_ENDINGS = re.compile(r"\(([^()]*\|[^()]*)\)")


def inflections(form: str) -> list[str]:
    """Every form a written form with case endings stands for (FORMAT.md, "Inflected forms").

    "Москв(а|ы|е|у|ой)" is Москва, Москвы, Москве, Москву, Москвой. Several groups in one form
    go in step, the n-th ending of each together: "Владимир(|а|у) Путин(|а|у)" is Владимир Путин,
    Владимира Путина, Владимиру Путину. A form without such a group stands for itself.
    Raises ValueError when the groups of one form have different numbers of endings.
    """
    pieces = _ENDINGS.split(form)
    if len(pieces) == 1:
        return [form]
    groups = [piece.split("|") for piece in pieces[1::2]]
    count = len(groups[0])
    if any(len(group) != count for group in groups):
        raise ValueError(f"{form!r}: every group of endings must have as many endings as the first ({count})")
    out: list[str] = []
    for n in range(count):
        text = "".join(piece if k % 2 == 0 else groups[k // 2][n] for k, piece in enumerate(pieces))
        if text not in out:
            out.append(text)
    return out


def _with_endings(forms: tuple[str, ...], key: str, name: str, fail) -> tuple[str, ...]:
    out: list[str] = []
    for form in forms:
        try:
            written = inflections(form)
        except ValueError as exc:
            raise fail(f"{key!r}: {exc}") from None
        out += [w for w in written if w not in out and (w != name or len(written) == 1)]
    return tuple(out)


def _role(path: Path, role: object, kb_id: str, record_line: int | None) -> Role:
    line = line_of(role) or record_line
    if not isinstance(role, dict):
        raise DataFileError(path, line, f"{kb_id}: every role must be a mapping")

    def fail(message: str) -> DataFileError:
        return DataFileError(path, line, f"{kb_id}: role {role.get('title', '')!r}: {message}")

    unknown = set(role) - ROLE_KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)} (allowed: {sorted(ROLE_KEYS)})")
    for key in ROLE_REQUIRED:
        if key not in role:
            raise fail(f"missing required key {key!r}")
    for key in ("title", "role", "of"):
        if not isinstance(role[key], str) or not role[key].strip():
            raise fail(f"{key!r} must be a non-empty string")
    if role["role"] not in ROLE_KINDS:
        raise fail(f"unknown role kind {role['role']!r} (one of {sorted(ROLE_KINDS)})")
    start = _iso_date(role["from"], "from", fail)
    end = _iso_date(role["to"], "to", fail) if role.get("to") is not None else None
    if end is not None and end < start:
        raise fail(f"ends ({end}) before it starts ({start})")
    return Role(role["title"].strip(), role["role"], role["of"].strip(), start, end, line)


def _iso_date(value: object, key: str, fail) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise fail(f"{key!r} is not an ISO date (YYYY-MM-DD): {value!r}") from None


def _dangling_references(values: dict, records: dict, iso3s: set[str]) -> Iterator[tuple[int | None, str, bool]]:
    """(line, message, is a role's 'of') for every id or country code the record names that the KB lacks."""
    kb_id = values["id"]
    for key, type_, what in (("capital", "GPE", "a place"), ("part_of", "ORG", "an organisation")):
        target = values.get(key)
        if target is None:
            continue
        if target not in records:
            yield None, f"{kb_id}: {key} {target!r} is not in the knowledge base", False
        elif records[target][2]["type"] != type_:
            yield None, f"{kb_id}: {key} {target!r} is not {what}", False
    for target in values.get("stands_for", ()):
        if target not in records:
            yield None, f"{kb_id}: stands_for {target!r} is not in the knowledge base", False
    for member in values.get("members", ()):
        if member not in records:
            yield None, f"{kb_id}: member {member!r} is not in the knowledge base", False
    for word in values.get("context", ()):
        if _ID.fullmatch(word) and word not in records:
            yield None, f"{kb_id}: context id {word!r} is not in the knowledge base", False
    country = values.get("country")
    if country is not None and country not in iso3s:
        yield None, f"{kb_id}: country {country!r} is not a country of the knowledge base", False
    for role in values.get("roles", ()):
        if role.of not in records:
            yield role.line, f"{kb_id}: role {role.title!r}: 'of' {role.of!r} is not in the knowledge base", True
