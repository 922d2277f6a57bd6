"""A trained model's identity (the fingerprint in its model_version) and its atomic move into place."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from ..datasets.version import Version
from ..preannotate.model import VERSION_META_KEY


def fingerprint(data: Version, config_bytes: bytes, seed: int, fraction: float, overrides: dict[str, Any], base: str, nlp) -> str:
    """Everything that changes the model: the version's manifest, the config, seed, fraction, epochs, base and rules."""
    h = hashlib.sha256()
    for part in (
        data.manifest_sha256,
        hashlib.sha256(config_bytes).hexdigest(),
        str(seed),
        repr(fraction),
        repr(sorted(overrides.items())),
        base,
        nlp.meta[VERSION_META_KEY],
    ):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:8]


def replace(new: Path, output: Path) -> None:
    """Move the finished model into place; an existing output (only with --force) goes once the new one is there."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
    os.replace(new, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
