"""The entity linker's word lists: role phrases (`roles.yaml`) and news-writing cues (`cues.yaml`).

Both live next to the knowledge-base records in `streams/data/kb/` and are validated like them:
an unknown role kind, cue kind or key fails with the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .datafile import DataFileError, line_of, load_versioned, load_yaml

VOCABULARY_FILES = ("roles.yaml", "cues.yaml")

ROLE_KINDS = frozenset(
    {
        "head-of-state", "head-of-government", "foreign-minister", "defence-minister",
        "finance-minister", "interior-minister", "minister", "spokesperson", "military-chief",
        "secretary-general", "leader", "ambassador", "envoy", "intelligence-chief",
        "party-leader", "other",
    }
)  # fmt: skip

# Cue kinds and what each one is for (the attribute of `Cues` that holds it).
CUE_KINDS = {
    "person-title": "person_titles",  # before a name, even a one-word one: "Gen. Milley", "Governor Gladkov"
    "reporting-verb": "reporting_verbs",  # "said Anna Smith", "Anna Smith said"
    "apposition": "appositions",  # "Anna Smith, a spokeswoman for ..."
    "org-apposition": "org_appositions",  # "MTS, Russia's largest mobile operator"
    "org-suffix": "org_suffixes",  # the last word of an organisation's name: "... Bank"
    "org-prefix": "org_prefixes",  # the first words of one: "Ministry of ...", "University of ..."
    "name-stopword": "name_stopwords",  # capitalised words that never start a name: "The", "Monday"
    "name-particle": "name_particles",  # lower-case words inside names: "bin", "de", "van"
    "not-org-head": "not_org_heads",  # last words of defined acronyms that are no organisation: "Treaty"
    "role-qualifier": "role_qualifiers",  # words that make a role phrase another office: "deputy"
    "generic-org-word": "generic_org_words",  # "Foreign Ministry", "Central Bank" name no particular body
    "given-name": "given_names",  # common given names: with one more capitalised word, a person ("Paul Pogba")
    "action-verb": "action_verbs",  # after two capitalised words mid-sentence, a person ("Kylian Mbappé scored")
    "place-suffix": "place_suffixes",  # last words of places and buildings, no person's ("... Square", "... Street")
    "person-qualifier": "person_qualifiers",  # before a name, no part of it: "Republican Jack Ciattarelli"
    "number-word": "number_words",  # no person's name ends in one: "World War Two"
    "name-title": "name_titles",  # part of the name before a one-word name: "Prince William", "Queen Rania"
    "document-head": "document_heads",  # after a city or region, a document's name: "Rome Statute", "Minsk agreements"
    "verb": "verbs",  # verb forms after a subject: "the Pakistani military struck" names the military
    "place-head": "place_heads",  # after a sea's or region's one-word form, the place itself: "Pacific region"
    "party-head": "party_heads",  # after a compound of places, what they are parties to: "EU-Central Asia summit"
}

_SMALL_WORDS = frozenset({"of", "the", "for", "and", "on", "in", "at", "to"})


def case_variants(phrase: str) -> set[str]:
    """A phrase as written, in lower case, with a capital first letter, and in title case.

    News writes offices both ways ("Foreign Minister Wang Yi", "the foreign minister, Wang Yi").
    """
    words = phrase.split()
    title = " ".join(w if w in _SMALL_WORDS and i else w[:1].upper() + w[1:] for i, w in enumerate(words))
    lower = phrase.lower() if not any(c.isupper() for c in phrase[1:]) else phrase
    return {phrase, lower, phrase[:1].upper() + phrase[1:], title}


@dataclass
class RolePhrases:
    """Every written form of a role phrase mapped to its role kind, and ministry forms by portfolio."""

    version: str = "empty"
    phrases: dict[str, str] = field(default_factory=dict)
    portfolios: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the forms a body the loader derives takes (kb.py, `derived_institutions`), by portfolio
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Cues:
    version: str = "empty"
    person_titles: frozenset[str] = frozenset()
    reporting_verbs: frozenset[str] = frozenset()
    appositions: frozenset[str] = frozenset()
    org_appositions: frozenset[str] = frozenset()
    org_suffixes: frozenset[str] = frozenset()
    org_prefixes: frozenset[str] = frozenset()
    name_stopwords: frozenset[str] = frozenset()
    name_particles: frozenset[str] = frozenset()
    not_org_heads: frozenset[str] = frozenset()
    role_qualifiers: frozenset[str] = frozenset()
    generic_org_words: frozenset[str] = frozenset()
    given_names: frozenset[str] = frozenset()
    action_verbs: frozenset[str] = frozenset()
    place_suffixes: frozenset[str] = frozenset()
    person_qualifiers: frozenset[str] = frozenset()
    number_words: frozenset[str] = frozenset()
    name_titles: frozenset[str] = frozenset()
    document_heads: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    place_heads: frozenset[str] = frozenset()
    party_heads: frozenset[str] = frozenset()


def _words(path: Path, item: dict, key: str) -> list[str]:
    value = item.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataFileError(path, line_of(item), f"{key!r} must be a non-empty list of non-empty strings")
    return [v.strip() for v in value]


def _check_keys(path: Path, item: dict, allowed: set[str]) -> None:
    unknown = set(item) - allowed
    missing = allowed - set(item) - {"note", "derived"}  # optional keys
    if unknown or missing:
        problem = f"unknown keys {sorted(unknown)}" if unknown else f"missing keys {sorted(missing)}"
        raise DataFileError(path, line_of(item), f"{problem} (an entry has {sorted(allowed)})")


def load_role_phrases(path: str | Path) -> RolePhrases:
    """`roles.yaml`: `roles: [{role, phrases, note?}]` and `portfolios: [{portfolio, forms, derived?, note?}]`."""
    path = Path(path)
    version, items = load_versioned(path, "roles")
    data = load_yaml(path)
    unknown = set(data) - {"version", "roles", "portfolios"}
    if unknown:
        raise DataFileError(path, line_of(data), f"unknown top-level keys {sorted(unknown)}")
    portfolios: dict[str, tuple[str, ...]] = {}
    derived: dict[str, tuple[str, ...]] = {}
    for item in data.get("portfolios") or ():
        if not isinstance(item, dict):
            raise DataFileError(path, line_of(data), "every entry of 'portfolios' must be a mapping")
        _check_keys(path, item, {"portfolio", "forms", "derived", "note"})
        forms = {v for form in _words(path, item, "forms") for v in case_variants(form)}
        portfolios[str(item["portfolio"])] = tuple(sorted(forms))
        if "derived" in item:
            chosen = {v for form in _words(path, item, "derived") for v in case_variants(form)}
            if chosen - forms:
                raise DataFileError(path, line_of(item), f"'derived' forms not in 'forms': {sorted(chosen - forms)}")
            derived[str(item["portfolio"])] = tuple(sorted(chosen))
    phrases: dict[str, str] = {}
    for item in items:
        _check_keys(path, item, {"role", "phrases", "note"})
        kind = item["role"]
        if kind not in ROLE_KINDS:
            raise DataFileError(path, line_of(item), f"unknown role kind {kind!r} (one of {sorted(ROLE_KINDS)})")
        for phrase in _words(path, item, "phrases"):
            for variant in case_variants(phrase):
                if phrases.get(variant, kind) != kind:
                    raise DataFileError(
                        path, line_of(item), f"phrase {phrase!r} is already a {phrases[variant]!r} phrase"
                    )
                phrases[variant] = kind
    return RolePhrases(version, phrases, portfolios, derived)


def load_cues(path: str | Path) -> Cues:
    """`cues.yaml`: `cues: [{kind: <cue kind>, words: [...], note?}]`; a kind may recur."""
    path = Path(path)
    version, items = load_versioned(path, "cues")
    groups: dict[str, set[str]] = {attribute: set() for attribute in CUE_KINDS.values()}
    for item in items:
        _check_keys(path, item, {"kind", "words", "note"})
        kind = item["kind"]
        if kind not in CUE_KINDS:
            raise DataFileError(path, line_of(item), f"unknown cue kind {kind!r} (one of {sorted(CUE_KINDS)})")
        groups[CUE_KINDS[kind]].update(_words(path, item, "words"))
    return Cues(version, **{k: frozenset(v) for k, v in groups.items()})
