"""Pull: Label Studio export -> validated records -> a new immutable dataset version.

    export (snapshot, Label Studio's export API) -> download, streamed to a file
    -> ijson, one task at a time -> policy + validation (export.py, policy.py, validate.py)
    -> tokens (batched) -> records spooled to a JSONL file (spool.py)
    -> splits (datasets/splits.py) -> sorted split files -> a version (datasets/store.py)

Memory: the export is never loaded whole; records are spooled to disk and
only (id, file offset, MinHash signature) stays in memory per document.
The same export with the same options gives byte-identical split files.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..datasets.card import changes_md, readme_md
from ..datasets.manifest import make_manifest
from ..datasets.splits import SPLITS, Doc, assign, signatures
from ..datasets.store import (
    check_name,
    clean_stale_temp_dirs,
    commit_version,
    diff_summaries,
    iter_records,
    label_counts,
    new_temp_dir,
    next_version,
    same_content,
    versions,
)
from ..errors import DatasetError, NothingToPull
from ..review.decisions import decisions
from ..scheme import Scheme, default_scheme
from ..studio.client import Project, Studio, public_url
from ..studio.projects import lookup_project
from .build import dumps, load_tokenizer
from .export import Progress
from .policy import FALLBACKS, POLICIES, RULES
from .spool import Spool, spool_export
from .validate import Issue


@dataclass
class PullResult:
    dataset: str
    version: str | None  # the new version; None when nothing changed
    path: Path | None
    same_as: str | None  # the existing version equal to this pull
    export_id: int
    tasks: dict[str, int]  # total, annotated, skipped, unannotated
    issues: list[Issue]
    misaligned: list[tuple[str, str]]  # (doc id, span id)
    counts: dict[str, int]  # split -> documents
    held_out: list[str] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # policy adjudicated: documents per rule


def parse_ratios(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or any(p < 0 for p in parts) or abs(sum(parts) - 1) > 1e-6 or parts[0] + parts[1] <= 0:
        raise DatasetError(f"--ratios {text!r}: expected three non-negative numbers summing to 1.", "For example: --ratios 0.8,0.1,0.1")
    return parts


def _project(studio: Studio, title: str | None, project_id: int | None) -> Project:
    hint = "Pass one of the titles above exactly (or --project-id ID)."
    return lookup_project(studio, title=title, project_id=project_id, hint=hint)


def pull(
    studio: Studio,
    *,
    dataset: str,
    project: str | None = None,
    project_id: int | None = None,
    policy: str = "latest",
    exports_dir: Path = Path("exports"),
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    unfreeze_test: bool = False,
    scheme: Scheme | None = None,
    on_task: Callable[[int], None] | None = None,
    fallback: str = "majority",
    review_project: str | None = None,
) -> PullResult:
    """Export a project and write its annotations as the next version of `dataset` (see the module docstring).

    `fallback` and `review_project` matter for policy `adjudicated` only (pull/policy.py).
    """
    if policy not in POLICIES:
        raise DatasetError(f"Unknown policy {policy!r}.", f"Use one of: {', '.join(POLICIES)}.")
    if fallback not in FALLBACKS:
        raise DatasetError(f"Unknown fallback {fallback!r}.", f"Use one of: {', '.join(FALLBACKS)}.")
    scheme = scheme or default_scheme()
    proj = _project(studio, project, project_id)
    decided = _decisions(studio, proj, review_project) if policy == "adjudicated" else {}
    ddir = Path(exports_dir) / check_name(dataset)
    clean_stale_temp_dirs(ddir)
    tmp = new_temp_dir(ddir)
    try:
        with ThreadPoolExecutor(1) as pool:
            tokenizer = pool.submit(_prepare, scheme)  # while Label Studio builds the export
            export_id = studio.create_export(proj.id)
            studio.download_export(proj.id, export_id, tmp / "export.json")
            return _build(
                studio,
                proj,
                scheme,
                tmp,
                ddir,
                tokenizer.result(),
                _BuildOptions(dataset, export_id, policy, ratios, unfreeze_test, on_task, (decided, fallback)),
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _decisions(studio: Studio, proj: Project, review_project: str | None) -> dict[int, Any]:
    return decisions(studio, proj, review_project)


def _prepare(scheme: Scheme) -> Any:
    """The scheme's tokenizer, and the slow imports of the build done (spaCy, datasketch)."""
    signatures(["warm up"])
    return load_tokenizer(scheme.tokenizer)


@dataclass
class _Parent:
    """What a new version inherits from the latest one."""

    splits: dict[str, str] = field(default_factory=dict)  # doc id -> split: documents keep their split
    carried: dict[str, str] = field(default_factory=dict)  # doc id -> record line: frozen test docs missing from the export
    summary: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)  # doc id -> (task_hash, label counts), for CHANGES.md


def _read_parent(parent: Path | None, spool: Spool, *, frozen: bool) -> _Parent:
    inherited = _Parent()
    if parent is None:
        return inherited
    for split in SPLITS:
        for rec in iter_records(parent, split):
            inherited.splits[rec["id"]] = split
            inherited.summary[rec["id"]] = (rec["task_hash"], label_counts([s["label"] for s in rec["spans"]]))
            if split == "test" and frozen and rec["id"] not in spool.index:
                inherited.carried[rec["id"]] = dumps(rec) + "\n"
                spool.tally[rec["id"]] = ([s["label"] for s in rec["spans"]], len(rec["relations"]), rec["task_hash"])
                spool.docs[rec["id"]] = Doc(rec["id"], rec["input_hash"], signatures([rec["text"]])[0])
    return inherited


def _write_splits(tmp: Path, spool: Spool, assignment: Any, carried: dict[str, str]) -> dict[str, Any]:
    """train/dev/test.jsonl, records sorted by id; returns the manifest's counts."""
    counts: dict[str, int] = {}
    labels: dict[str, Counter[str]] = {}
    relations: dict[str, int] = {}
    with open(spool.path, "rb") as reader:
        for split in SPLITS:
            ids = sorted(i for i, s in assignment.splits.items() if s == split)
            counts[split], labels[split], relations[split] = len(ids), Counter(), 0
            with open(tmp / f"{split}.jsonl", "w", encoding="utf-8", newline="\n") as out:
                for doc_id in ids:
                    if doc_id in carried:
                        out.write(carried[doc_id])
                    else:
                        _, offset, length = spool.index[doc_id]
                        reader.seek(offset)
                        out.write(reader.read(length).decode("utf-8"))
                    span_labels, n_relations, _ = spool.tally[doc_id]
                    labels[split].update(span_labels)
                    relations[split] += n_relations
    return {"documents": counts, "labels": {k: dict(v) for k, v in labels.items()}, "relations": relations}


@dataclass(frozen=True)
class _BuildOptions:
    """What one pull asked for, carried from `pull` through `_build`."""

    dataset: str
    export_id: int
    policy: str
    ratios: tuple[float, float, float]
    unfreeze_test: bool
    on_task: Callable[[int], None] | None
    adjudication: tuple[dict[int, Any], str]  # (review decisions by task id, fallback policy)


def _adjudication(o: _BuildOptions, spool: Spool) -> dict[str, Any]:
    if o.policy != "adjudicated":
        return {}
    return {"adjudication": {"fallback": o.adjudication[1], "documents": {r: spool.rules.get(r, 0) for r in RULES}}}


def _build(studio: Studio, proj: Project, scheme: Scheme, tmp: Path, ddir: Path, tokenizer: Any, o: _BuildOptions) -> PullResult:
    """Export file -> spooled records -> splits -> a new version (or none when nothing changed)."""
    spool, progress = _spool_records(studio, proj, scheme, tmp, tokenizer, o)
    have = versions(ddir)
    parent = ddir / have[-1] if have else None
    frozen = parent is not None and not o.unfreeze_test
    inherited = _read_parent(parent, spool, frozen=frozen)
    assignment = assign(list(spool.docs.values()), inherited.splits, o.ratios, frozen_test=frozen)
    counts = _write_splits(tmp, spool, assignment, inherited.carried)
    spool.path.unlink()

    result = PullResult(
        dataset=o.dataset,
        version=None,
        path=None,
        same_as=None,
        export_id=o.export_id,
        tasks=progress.tasks,
        issues=spool.issues,
        misaligned=spool.misaligned,
        counts=counts["documents"],
        held_out=sorted(assignment.held_out),
        carried_over=sorted(inherited.carried),
    )
    if parent is not None and same_content(tmp, parent):
        result.same_as = parent.name
        return result

    version = next_version(ddir)
    selection = {"policy": o.policy, **_adjudication(o, spool), "ratios": list(o.ratios), "test_frozen": frozen}
    manifest = _manifest(version, parent, studio, proj, scheme, o, selection, spool, progress, counts, result)
    after = {i: (spool.tally[i][2], label_counts(spool.tally[i][0])) for i in assignment.splits}
    changes = changes_md(o.dataset, version, manifest["parent"], diff_summaries(inherited.summary, after), manifest)
    final = commit_version(ddir, tmp, manifest, readme_md(o.dataset, manifest, scheme), changes)
    result.version, result.path = version, final
    result.rules = dict(manifest.get("adjudication", {}).get("documents", {}))
    return result


def _spool_records(studio: Studio, proj: Project, scheme: Scheme, tmp: Path, tokenizer: Any, o: _BuildOptions) -> tuple[Spool, Progress]:
    """The export downloaded and spooled into records (the export file removed); NothingToPull when nobody annotated."""
    progress = Progress()
    spool = Spool(tmp / "records.jsonl", tokenizer)
    spool_export(
        tmp / "export.json", spool, studio=studio, proj=proj, scheme=scheme, policy=o.policy, progress=progress, on_task=o.on_task, adjudication=o.adjudication
    )
    (tmp / "export.json").unlink()
    if not spool.index:
        raise NothingToPull(
            f"Project {proj.title!r} (id {proj.id}) has no submitted annotations yet "
            f"({progress.tasks['total']} tasks, {progress.tasks['skipped']} only skipped).",
            "Annotate some tasks in Label Studio first, then pull again.",
        )
    return spool, progress


def _manifest(
    version: str,
    parent: Path | None,
    studio: Studio,
    proj: Project,
    scheme: Scheme,
    o: _BuildOptions,
    selection: dict[str, Any],
    spool: Spool,
    progress: Progress,
    counts: dict[str, Any],
    result: PullResult,
) -> dict[str, Any]:
    return make_manifest(
        version=version,
        parent=parent.name if parent else None,
        source={
            "label_studio": {"url": public_url(studio.url), "version": studio.version},
            "project": {"id": proj.id, "title": proj.title},
            "export_id": o.export_id,
        },
        selection=selection,
        scheme=scheme,
        contents={
            "model_versions": sorted(spool.model_versions),
            "counts": counts,
            "summary": {"tasks": progress.tasks, "issues": _issue_counts(spool.issues), "misaligned_spans": len(spool.misaligned)},
            "progress": progress.to_dict(),
            "held_out": result.held_out,
            "carried_over": result.carried_over,
        },
    )


def _issue_counts(issues: list[Issue]) -> dict[str, int]:
    return dict(sorted(Counter(f"{i.kind}/{i.action}" for i in issues).items()))
