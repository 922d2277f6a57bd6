"""The conflict-actor gazetteer (configs/actors.toml) as span_ruler phrase patterns.

Each entry is `"Canonical name" = ["alias", ...]` inside a table that only
groups entries for the reader. Every name and alias becomes one phrase
pattern labelled with its canonical name, so a match says which actor it is.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ..errors import ConfigError

_HINT = 'Each entry is "Name" = ["alias", ...] inside a [table]; see the comments in configs/actors.toml.'


def actor_patterns(raw: bytes, path: Path) -> list[dict[str, Any]]:
    """span_ruler patterns for every name and alias; ConfigError naming the file and entry when malformed."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", _HINT) from None
    patterns: list[dict[str, Any]] = []
    for table, entries in data.items():
        if not isinstance(entries, dict):
            raise ConfigError(f"{path}: {table!r} is not a [table] of actors", _HINT)
        for name, aliases in entries.items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
                raise ConfigError(f"{path}: [{table}] {name!r}: aliases must be a list of non-empty strings", _HINT)
            for phrase in dict.fromkeys([name, *aliases]):  # ordered, without repeats
                patterns.append({"label": name, "pattern": phrase.strip()})
    return patterns
