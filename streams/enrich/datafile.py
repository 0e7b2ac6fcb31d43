"""Loading the versioned YAML data files (knowledge base, taxonomy, boilerplate) with line numbers.

Every mapping loaded here remembers the line it starts on, so that a validator can say
`persons.yaml:1234: role 'from' is not a date` instead of a bare exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is ~10x faster; the pure one gives the same marks
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseLoader = yaml.SafeLoader

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class DataFileError(ValueError):
    """A data file is malformed; the message names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class LineDict(dict):
    """A dict that knows the 1-based line of the file it was read from."""

    __slots__ = ("line",)


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DataFileError(loader.name, key_node.start_mark.line + 1, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # Dates stay ISO strings: validators parse them and report the line when they are wrong.
    return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def line_of(obj: Any) -> int | None:
    """The line a mapping was read from, or None for values built in code."""
    return getattr(obj, "line", None)


def load_yaml(path: str | Path) -> Any:
    """Parse one YAML file; syntax errors become DataFileError with the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, None, f"not UTF-8: {exc}") from exc
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataFileError(path, mark.line + 1 if mark else None, f"YAML syntax: {exc.problem or exc}") from exc
    finally:
        loader.dispose()


def load_versioned(path: str | Path, list_key: str) -> tuple[str, list[LineDict]]:
    """Load a data file of the shape `{version: ..., <list_key>: [mapping, ...]}`."""
    version, items, _ = load_versioned_document(path, list_key)
    return version, items


def load_versioned_document(path: str | Path, list_key: str) -> tuple[str, list[LineDict], LineDict]:
    """Like `load_versioned`, and the whole top-level mapping too, for files with more sections
    than the list (the taxonomy's shared cues and positions): one parse for all of it."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(path, 1, f"expected a mapping with 'version' and '{list_key}'")
    version = data.get("version")
    if not isinstance(version, (str, int, float)) or not str(version).strip():
        raise DataFileError(path, line_of(data), "missing 'version'")
    items = data.get(list_key)
    if not isinstance(items, list):
        raise DataFileError(path, line_of(data), f"'{list_key}' must be a list")
    for item in items:
        if not isinstance(item, dict):
            raise DataFileError(path, line_of(data), f"every entry of '{list_key}' must be a mapping, got {item!r}")
    return str(version), items, data
