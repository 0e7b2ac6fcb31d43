"""The wire contracts in schemas/, compiled once, with error messages a crawler author can act on."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Callable

import fastjsonschema
import orjson

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_FILES = {
    "raw-article": "raw-article.v1.json",
    "enriched-article": "enriched-article.v1.json",
    "alert": "alert.v1.json",
    "deadletter": "deadletter.v1.json",
}


class ContractError(ValueError):
    """A message does not match its schema; the message says which field and why."""


def schema_dir() -> Path:
    # Installed wheels carry the schemas inside the package (see pyproject.toml).
    packaged = Path(__file__).resolve().parent / "schemas"
    return packaged if packaged.is_dir() else SCHEMA_DIR


def load_schema(name: str) -> dict:
    return orjson.loads((schema_dir() / SCHEMA_FILES[name]).read_bytes())


@cache
def validator(name: str) -> Callable[[object], object]:
    """The compiled validator of one contract (compiled once per process)."""
    return fastjsonschema.compile(load_schema(name))


def _explain(name: str, exc: fastjsonschema.JsonSchemaValueException) -> str:
    if name == "raw-article" and exc.rule == "anyOf" and list(exc.path) == ["data"]:
        return "needs a non-blank 'text' or 'html'"
    message = exc.message
    if message.startswith("data."):
        message = message[len("data."):]
    elif message.startswith("data "):
        message = "article " + message[len("data "):]
    return message


def validate(name: str, obj: object) -> None:
    """Raise ContractError unless `obj` matches the named contract."""
    try:
        validator(name)(obj)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise ContractError(_explain(name, exc)) from None
