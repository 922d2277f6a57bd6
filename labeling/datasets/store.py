"""Versioned datasets on disk: exports/NAME/vNNNN/, written once, never changed.

A version directory holds train.jsonl, dev.jsonl, test.jsonl (records sorted
by id), manifest.json, CHANGES.md and README.md. It is assembled in a
temporary directory `exports/NAME/.tmp-<pid>-<random>/` and renamed into place
only when complete, so a pull killed midway leaves no partial version; the next
pull removes temporary directories whose process is gone. `list` and `verify`
never look at them.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from ..records import iter_jsonl
from .splits import SPLITS

VERSION_RE = re.compile(r"^v(\d{4,})$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TMP_PREFIX = ".tmp-"
SPLIT_FILES = tuple(f"{s}.jsonl" for s in SPLITS)


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise DatasetError(f"{name!r} is not a valid dataset name.", "Use letters, digits, '.', '_' and '-', starting with a letter or digit.")
    return name


def versions(dataset_dir: Path) -> list[str]:
    """Complete versions, oldest first (temporary directories are not versions)."""
    if not dataset_dir.is_dir():
        return []
    found = [p.name for p in dataset_dir.iterdir() if p.is_dir() and VERSION_RE.match(p.name)]
    return sorted(found, key=lambda v: int(v[1:]))


def next_version(dataset_dir: Path) -> str:
    have = versions(dataset_dir)
    return f"v{int(have[-1][1:]) + 1 if have else 1:04d}"


def list_datasets(exports_dir: Path) -> list[tuple[str, list[str]]]:
    if not exports_dir.is_dir():
        return []
    return [(p.name, versions(p)) for p in sorted(exports_dir.iterdir()) if p.is_dir() and versions(p)]


def resolve(exports_dir: Path, ref: str) -> Path:
    """`NAME` (latest version) or `NAME@vN` -> the version directory."""
    name, _, ver = ref.partition("@")
    ddir = Path(exports_dir) / check_name(name)
    have = versions(ddir)
    if not have:
        known = ", ".join(n for n, _ in list_datasets(Path(exports_dir))) or "none"
        raise DatasetError(f"No dataset {name!r} in {exports_dir} (datasets there: {known}).", "Make one with: labeling pull --project TITLE --dataset NAME")
    if not ver:
        return ddir / have[-1]
    m = re.fullmatch(r"v?(\d+)", ver)
    if not m or f"v{int(m.group(1)):04d}" not in have:
        raise DatasetError(f"{name} has no version {ver!r} (versions: {', '.join(have)}).", f"Pick one of them, e.g. {name}@{have[-1]}.")
    return ddir / f"v{int(m.group(1)):04d}"


def read_manifest(version_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise DatasetError(
            f"{version_dir / 'manifest.json'}: missing or not JSON ({exc.__class__.__name__}).", "The version is damaged; restore it from a backup."
        ) from None


def iter_records(version_dir: Path, split: str) -> Iterator[dict[str, Any]]:
    """A split's records, one at a time; a damaged line raises InputError naming file and line."""
    for _, record in iter_jsonl(version_dir / f"{split}.jsonl"):
        yield record


def file_digest(path: Path) -> dict[str, Any]:
    """sha256, line count and size of one file, read in chunks."""
    h, lines, size = hashlib.sha256(), 0, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            lines += chunk.count(b"\n")
            size += len(chunk)
    return {"sha256": h.hexdigest(), "lines": lines, "bytes": size}


# -- writing ------------------------------------------------------------------


def new_temp_dir(dataset_dir: Path) -> Path:
    dataset_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=dataset_dir))


def clean_stale_temp_dirs(dataset_dir: Path) -> list[str]:
    """Remove temporary directories left by pulls that are no longer running."""
    removed: list[str] = []
    if not dataset_dir.is_dir():
        return removed
    for p in dataset_dir.iterdir():
        if not p.name.startswith(TMP_PREFIX):
            continue
        pid = p.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another pull at work
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def same_content(tmp: Path, version_dir: Path) -> bool:
    """Split files byte-identical to a version's (by the manifest's sha256)."""
    files = read_manifest(version_dir).get("files", {})
    return all(files.get(f, {}).get("sha256") == file_digest(tmp / f)["sha256"] for f in SPLIT_FILES)


def commit_version(dataset_dir: Path, tmp: Path, manifest: dict[str, Any], card: str, changes: str) -> Path:
    """Write manifest, README.md and CHANGES.md into `tmp`, then rename it to manifest['version']."""
    (tmp / "README.md").write_text(card, encoding="utf-8")
    (tmp / "CHANGES.md").write_text(changes, encoding="utf-8")
    manifest["files"] = {f: file_digest(tmp / f) for f in (*SPLIT_FILES, "README.md", "CHANGES.md")}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    final = dataset_dir / manifest["version"]
    if final.exists():
        raise DatasetError(f"{final} already exists; versions are never overwritten.", "Another pull finished first; run the pull again.")
    # mkdtemp made it 0700; a version is shared data: give it the mode a normal mkdir gets under the user's umask.
    os.chmod(tmp, 0o777 & ~_umask())
    os.rename(tmp, final)
    return final


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- reading: show, diff, verify ------------------------------------------------


Summary = tuple[str, dict[str, int]]  # (task_hash, label counts) of one document


def iter_summaries(version_dir: Path) -> Iterator[tuple[str, Summary]]:
    """(doc id, summary) of every record over all splits, in id order, streamed.

    Each split file is sorted by id, so merging the three keeps only one record per split in memory.
    """
    streams = [_split_summaries(version_dir, split) for split in SPLITS]
    last = None
    for doc_id, summary in heapq.merge(*streams, key=itemgetter(0)):
        if last is not None and doc_id <= last:
            raise DatasetError(
                f"{version_dir}: records are not sorted by id, or an id appears twice (at {doc_id!r}).", "The version is damaged; restore it from a backup."
            )
        last = doc_id
        yield doc_id, summary


def _split_summaries(version_dir: Path, split: str) -> Iterator[tuple[str, Summary]]:
    for rec in iter_records(version_dir, split):
        yield rec["id"], (rec["task_hash"], label_counts([s["label"] for s in rec["spans"]]))


@dataclass
class Diff:
    added: list[str]
    removed: list[str]
    changed: list[str]
    label_deltas: dict[str, tuple[int, int]]  # label -> (before, after)


def diff_versions(old: Path | None, new: Path) -> Diff:
    """Diff of two versions, both read as streams in id order: memory holds the changed ids, not the records."""
    before = iter_summaries(old) if old else iter(())
    after = iter_summaries(new)
    tagged = heapq.merge(((i, 0, s) for i, s in before), ((i, 1, s) for i, s in after), key=itemgetter(0, 1))
    return _diff((doc_id, {side: s for _, side, s in rows}) for doc_id, rows in groupby(tagged, key=itemgetter(0)))


def label_counts(labels: list[str]) -> dict[str, int]:
    return dict(Counter(labels))


def diff_summaries(a: dict[str, Summary], b: dict[str, Summary]) -> Diff:
    """Diff of two in-memory maps doc id -> (task_hash, label counts)."""
    return _diff((doc_id, {side: m[doc_id] for side, m in ((0, a), (1, b)) if doc_id in m}) for doc_id in sorted(a.keys() | b.keys()))


def _diff(rows: Iterable[tuple[str, dict[int, Summary]]]) -> Diff:
    """rows: (doc id, {0: summary before, 1: summary after}, either side missing) in id order."""
    diff = Diff([], [], [], {})
    labels: dict[str, list[int]] = {}
    for doc_id, sides in rows:
        for side, (_, counts) in sides.items():
            for label, n in counts.items():
                labels.setdefault(label, [0, 0])[side] += n
        if 0 not in sides:
            diff.added.append(doc_id)
        elif 1 not in sides:
            diff.removed.append(doc_id)
        elif sides[0][0] != sides[1][0]:
            diff.changed.append(doc_id)
    diff.label_deltas = {k: (v[0], v[1]) for k, v in sorted(labels.items())}
    return diff


def verify(version_dir: Path) -> list[str]:
    """Problems found ([] when every file matches its manifest entry)."""
    manifest = read_manifest(version_dir)
    problems = []
    for name, want in sorted(manifest.get("files", {}).items()):
        path = version_dir / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        got = file_digest(path)
        if got["sha256"] != want.get("sha256"):
            problems.append(f"{path}: sha256 {got['sha256'][:12]}... differs from the manifest's {str(want.get('sha256'))[:12]}...")
        if got["lines"] != want.get("lines"):
            problems.append(f"{path}: {got['lines']} lines, the manifest says {want.get('lines')}")
    for name in SPLIT_FILES:
        if name not in manifest.get("files", {}):
            problems.append(f"{version_dir / name}: not listed in the manifest")
    return problems
