"""Pull: Label Studio export -> validated records -> a new immutable dataset version.

    export (snapshot, Label Studio's export API) -> download, streamed to a file
    -> ijson, one task at a time -> policy + validation (export_tasks.py)
    -> tokens (batched) -> records spooled to a JSONL file
    -> splits (splits.py) -> sorted split files -> a version (datasets.py)

Memory: the export is never loaded whole; records are spooled to disk and
only (id, file offset, MinHash signature) stays in memory per document.
The same export with the same options gives byte-identical split files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from .. import __version__
from ..datasets.card import changes_md, readme_md
from ..datasets.splits import SPLITS, Doc, assign, signatures
from ..datasets.store import check_name, clean_stale_temp_dirs, commit_version, diff_summaries, iter_records, label_counts, new_temp_dir, same_content, versions
from ..errors import DatasetError, NothingToPull, ProjectNotFound
from ..scheme import Scheme, default_scheme
from ..studio.client import Studio, public_url
from ..studio.projects import not_found_message
from .build import build_record, dumps, load_tokenizer, tokenize
from .export import Pending, Progress, from_task
from .policy import POLICIES
from .validate import Issue

BATCH = 256


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


def parse_ratios(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or any(p < 0 for p in parts) or abs(sum(parts) - 1) > 1e-6 or parts[0] + parts[1] <= 0:
        raise DatasetError(f"--ratios {text!r}: expected three non-negative numbers summing to 1.", "For example: --ratios 0.8,0.1,0.1")
    return parts


def _project(studio: Studio, title: str | None, project_id: int | None):
    if project_id is not None:
        return studio.get_project(project_id)
    if not title:
        raise ProjectNotFound("No project named.", "Pass --project TITLE or --project-id ID.")
    project = studio.find_project(title)
    if project is None:
        raise ProjectNotFound(not_found_message(studio, title), "Check the title (it must match exactly), or list projects in the Label Studio UI.")
    return project


def iter_export(path: Path) -> Iterator[dict[str, Any]]:
    """Tasks of a Label Studio JSON export, one at a time."""
    with open(path, "rb") as fh:
        yield from ijson.items(fh, "item", use_float=True)


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
) -> PullResult:
    """Export a project and write its annotations as the next version of `dataset` (see the module docstring)."""
    if policy not in POLICIES:
        raise DatasetError(f"Unknown policy {policy!r}.", f"Use one of: {', '.join(POLICIES)}.")
    scheme = scheme or default_scheme()
    proj = _project(studio, project, project_id)
    ddir = Path(exports_dir) / check_name(dataset)
    clean_stale_temp_dirs(ddir)
    tmp = new_temp_dir(ddir)
    try:
        with ThreadPoolExecutor(1) as pool:
            tokenizer = pool.submit(load_tokenizer, scheme.tokenizer)  # loads while Label Studio builds the export
            export_id = studio.create_export(proj.id)
            studio.download_export(proj.id, export_id, tmp / "export.json")
            return _build(
                studio,
                proj,
                scheme,
                tmp,
                ddir,
                tokenizer.result(),
                dataset=dataset,
                export_id=export_id,
                policy=policy,
                ratios=ratios,
                unfreeze_test=unfreeze_test,
                on_task=on_task,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _build(studio, proj, scheme, tmp: Path, ddir: Path, tokenizer, *, dataset, export_id, policy, ratios, unfreeze_test, on_task) -> PullResult:
    users = studio.user_emails()
    progress = Progress()
    issues: list[Issue] = []
    misaligned: list[tuple[str, str]] = []
    index: dict[str, tuple[int, int, int]] = {}  # doc id -> (task id, offset, length) in the spool
    tally: dict[str, tuple[list[str], int, str]] = {}  # doc id -> (span labels, relation count, task_hash)
    docs: dict[str, Doc] = {}
    model_versions: set[str] = set()
    spool_path = tmp / "records.jsonl"
    with open(spool_path, "wb") as spool:

        def flush(batch: list[Pending]) -> None:
            sigs = signatures([p.text for p in batch])
            for p, tokens, sig in zip(batch, tokenize(tokenizer, (p.text for p in batch)), sigs):
                rec = build_record(p.doc_id, p.text, tokens, p.spans, p.relations, meta=p.meta, suggestion=p.suggestion, annotations=p.annotations)
                misaligned.extend((p.doc_id, sid) for sid in rec["misaligned"])
                if rec["meta"]["model_version"]:
                    model_versions.add(rec["meta"]["model_version"])
                line = (dumps(rec) + "\n").encode("utf-8")
                if p.doc_id in index:
                    kept = max(index[p.doc_id][0], p.task_id)
                    issues.append(
                        Issue(
                            p.task_id,
                            p.meta["annotation_id"],
                            p.doc_id,
                            "duplicate-doc-id",
                            "dropped",
                            f"tasks {index[p.doc_id][0]} and {p.task_id} share the document id; kept task {kept}",
                        )
                    )
                    if kept != p.task_id:
                        continue
                index[p.doc_id] = (p.task_id, spool.tell(), len(line))
                tally[p.doc_id] = ([s.label for s in p.spans], len(p.relations), rec["task_hash"])
                docs[p.doc_id] = Doc(p.doc_id, rec["input_hash"], sig)
                spool.write(line)

        batch: list[Pending] = []
        for n, task in enumerate(iter_export(tmp / "export.json"), 1):
            progress.add(task, users)
            pending, found = from_task(task, scheme=scheme, policy=policy, project_id=proj.id, users=users)
            issues += found
            if pending is not None:
                batch.append(pending)
            if len(batch) >= BATCH:
                flush(batch)
                batch = []
            if on_task:
                on_task(n)
        if batch:
            flush(batch)
    (tmp / "export.json").unlink()
    if not index:
        raise NothingToPull(
            f"Project {proj.title!r} (id {proj.id}) has no submitted annotations yet "
            f"({progress.tasks['total']} tasks, {progress.tasks['skipped']} only skipped).",
            "Annotate some tasks in Label Studio first, then pull again.",
        )

    have = versions(ddir)
    parent = ddir / have[-1] if have else None
    previous: dict[str, str] = {}
    carried: dict[str, str] = {}  # doc id -> line, test docs missing from the export
    frozen = parent is not None and not unfreeze_test
    before: dict[str, tuple[str, dict[str, int]]] = {}  # the parent's doc id -> (task_hash, label counts)
    if parent is not None:
        for split in SPLITS:
            for rec in iter_records(parent, split):
                previous[rec["id"]] = split
                before[rec["id"]] = (rec["task_hash"], label_counts([s["label"] for s in rec["spans"]]))
                if split == "test" and frozen and rec["id"] not in index:
                    carried[rec["id"]] = dumps(rec) + "\n"
                    tally[rec["id"]] = ([s["label"] for s in rec["spans"]], len(rec["relations"]), rec["task_hash"])
                    docs[rec["id"]] = Doc(rec["id"], rec["input_hash"], signatures([rec["text"]])[0])
    assignment = assign(list(docs.values()), previous, ratios, frozen_test=frozen)

    counts: dict[str, int] = {}
    labels: dict[str, dict[str, int]] = {}
    relations: dict[str, int] = {}
    with open(spool_path, "rb") as reader:
        for split in SPLITS:
            ids = sorted(i for i, s in assignment.splits.items() if s == split)
            counts[split], labels[split], relations[split] = len(ids), {}, 0
            with open(tmp / f"{split}.jsonl", "w", encoding="utf-8", newline="\n") as out:
                for doc_id in ids:
                    if doc_id in carried:
                        line = carried[doc_id]
                    else:
                        _, offset, length = index[doc_id]
                        reader.seek(offset)
                        line = reader.read(length).decode("utf-8")
                    out.write(line)
                    span_labels, n_relations, _ = tally[doc_id]
                    for label in span_labels:
                        labels[split][label] = labels[split].get(label, 0) + 1
                    relations[split] += n_relations
    spool_path.unlink()

    result = PullResult(dataset, None, None, None, export_id, progress.tasks, issues, misaligned, counts, sorted(assignment.held_out), sorted(carried))
    if parent is not None and same_content(tmp, parent):
        result.same_as = parent.name
        return result

    version = f"v{int(have[-1][1:]) + 1 if have else 1:04d}"
    manifest = {
        "version": version,
        "parent": parent.name if parent else None,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "toolkit_version": __version__,
        "label_studio": {"url": public_url(studio.url), "version": studio.version},
        "project": {"id": proj.id, "title": proj.title},
        "export_id": export_id,
        "policy": policy,
        "ratios": list(ratios),
        "test_frozen": frozen,
        "scheme": {"name": scheme.name, "version": scheme.version, "digest": scheme.digest, "tokenizer": scheme.tokenizer},
        "model_versions": sorted(model_versions),
        "counts": {"documents": counts, "labels": labels, "relations": relations},
        "summary": {"tasks": progress.tasks, "issues": _issue_counts(issues), "misaligned_spans": len(misaligned)},
        "progress": progress.to_dict(),
        "held_out": result.held_out,
        "carried_over": result.carried_over,
    }
    after = {i: (tally[i][2], label_counts(tally[i][0])) for i in assignment.splits}
    changes = changes_md(dataset, version, manifest["parent"], diff_summaries(before, after), manifest)
    final = commit_version(ddir, tmp, manifest, readme_md(dataset, manifest, scheme), changes)
    result.version, result.path = version, final
    return result


def _issue_counts(issues: list[Issue]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in issues:
        key = f"{i.kind}/{i.action}"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))
