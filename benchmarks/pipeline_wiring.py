"""How `benchmarks.pipeline` tells the contenders it starts where to read and write: environment variables.

Each contender (the Faust passthrough, the aiokafka loop, the Quix Streams pipeline) is a separate
process started by `benchmarks/pipeline.py`; this module is the one place that names the variables.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

PREFIX = "PIPELINE_BENCH_"


@dataclass(frozen=True)
class Wiring:
    """Bootstrap servers (`host:port`), topics, consumer group and processing guarantee of one contender."""

    bootstrap: str
    source: str
    sink: str
    deadletter: str
    group: str
    guarantee: str = "at_least_once"

    @property
    def exactly_once(self) -> bool:
        return self.guarantee == "exactly_once"

    def env(self) -> dict[str, str]:
        return {PREFIX + name.upper(): value for name, value in asdict(self).items()}

    @classmethod
    def from_env(cls) -> "Wiring":
        try:
            return cls(**{name: os.environ[PREFIX + name.upper()] for name in cls.__dataclass_fields__})
        except KeyError as missing:
            raise SystemExit(f"{missing.args[0]} is not set: contenders are started by `python -m benchmarks.pipeline`") from None
