"""One dataset version read for training: its three splits, verified, made with the current scheme.

data = load_version(Path("exports"), "conflict@v3")   # data.splits["train"], data.manifest_sha256
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from ..records import iter_jsonl
from ..scheme import default_scheme
from .store import read_manifest, resolve, verify


@dataclass
class Version:
    ref: str  # "conflict@v0003"
    name: str
    version: str
    dir: Path
    manifest_sha256: str
    scheme_digest: str
    splits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def load_version(exports_dir: Path, ref: str) -> Version:
    """NAME[@vN] under `exports_dir`, verified against its manifest and the current label scheme."""
    vdir = resolve(exports_dir, ref)
    manifest = read_manifest(vdir)
    problems = verify(vdir)
    if problems:
        raise DatasetError(f"{vdir} is damaged: {problems[0]}", f"Check it with: labeling datasets verify {vdir.parent.name}@{vdir.name}")
    scheme = default_scheme()
    digest = manifest.get("scheme", {}).get("digest")
    name = vdir.parent.name
    if digest != scheme.digest:
        raise DatasetError(
            f"{name}@{vdir.name} was made with another label scheme (digest {str(digest)[:12]}, current {scheme.digest[:12]}).",
            "Train on a version pulled with the current configs/scheme.toml (labeling pull makes a new one), or restore the scheme it was made with.",
        )
    splits = {s: [rec for _, rec in iter_jsonl(vdir / f"{s}.jsonl")] for s in ("train", "dev", "test")}
    sha = hashlib.sha256((vdir / "manifest.json").read_bytes()).hexdigest()
    return Version(f"{name}@{vdir.name}", name, vdir.name, vdir, sha, scheme.digest, splits)
