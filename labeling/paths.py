"""Where the toolkit finds its configs and keeps its local state."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def configs_dir() -> Path:
    """The directory holding scheme.toml, guidelines.md and pattern files.

    `LABELING_CONFIGS` wins; else the copy bundled into the wheel; else the
    repository's `configs/` (editable installs and a plain checkout).
    """
    if env := os.environ.get("LABELING_CONFIGS"):
        return Path(env)
    bundled = _PACKAGE / "_configs"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / "configs"


def state_dir() -> Path:
    """The embedded server's home: data dir, pid file, credentials, log.

    Defaults to `.labeling/` in the working directory; `LABELING_HOME` overrides.
    """
    return Path(os.environ.get("LABELING_HOME", ".labeling"))


def sample_dir() -> Path:
    """The sample corpus used by the demo and the tests."""
    bundled = _PACKAGE / "_sample"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / "data" / "sample"
