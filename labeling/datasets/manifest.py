"""The manifest of a dataset version: its shape lives here, beside store.py which reads, verifies and commits it.

pull/ supplies what it knows (where the annotations came from, how they were chosen, what was written);
this module adds the version's identity (created_at, toolkit version, scheme) in one fixed key order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..scheme import Scheme


def make_manifest(
    *,
    version: str,
    parent: str | None,
    source: dict[str, Any],
    selection: dict[str, Any],
    scheme: Scheme,
    contents: dict[str, Any],
) -> dict[str, Any]:
    """`source`: label_studio, project, export_id; `selection`: policy (+ adjudication), ratios, test_frozen;
    `contents`: model_versions, counts, summary, progress, held_out, carried_over."""
    return {
        "version": version,
        "parent": parent,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "toolkit_version": __version__,
        **source,
        **selection,
        "scheme": {"name": scheme.name, "version": scheme.version, "digest": scheme.digest, "tokenizer": scheme.tokenizer},
        **contents,
    }
