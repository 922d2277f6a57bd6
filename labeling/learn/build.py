"""A project memory built from Label Studio: its submitted annotations, streamed a page at a time.

    report = build(studio, project_id, store)     # every annotated task into `store`
    memory, report = memory_of(studio, "Conflict news")  # title or id; a temporary store

Only submitted annotations count (all annotators); cancelled (skipped) ones never
do. A region whose offsets do not fit the task's text, or whose stored text is
not the text at its offsets, is skipped and counted, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..studio.client import Project, Studio
from ..studio.projects import lookup_project
from .memory import LEARNED_ID, AnnotationRow, Memory, Thresholds
from .store import MemoryStore, swap_in

TEXT_FIELD = "text"


@dataclass
class BuildReport:
    project_id: int
    project_title: str
    tasks: int = 0
    annotations: int = 0
    cancelled: int = 0
    skipped_regions: int = 0  # regions whose offsets or text do not match the task's text

    def describe(self) -> str:
        if not self.annotations:
            return f"project {self.project_title!r} (id {self.project_id}) has no submitted annotations yet: the memory is empty, suggestions are the rules'"
        out = f"{self.annotations} submitted annotations on {self.tasks} tasks of {self.project_title!r} (id {self.project_id})"
        if self.cancelled:
            out += f", {self.cancelled} cancelled (not counted)"
        if self.skipped_regions:
            out += f", {self.skipped_regions} regions skipped (offsets or text not matching the task's text)"
        return out


def regions(result: list[dict[str, Any]] | None, text: str, *, learned: bool | None = None) -> tuple[list[tuple[int, int, str]], int]:
    """(start, end, label) of a result's text regions, and how many did not match `text`.

    `learned`: only the regions the memory suggested (True), only the model's (False), or all (None).
    """
    out, bad = [], 0
    for item in result or []:
        if not isinstance(item, dict) or item.get("type") != "labels":
            continue
        if learned is not None and str(item.get("id", "")).startswith(LEARNED_ID) != learned:
            continue
        v = item.get("value") or {}
        start, end, stored = v.get("start"), v.get("end"), v.get("text")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)) or (isinstance(stored, str) and stored != text[start:end]):
            bad += 1
            continue
        out += [(start, end, label) for label in v.get("labels") or [] if isinstance(label, str)]
    return out, bad


def task_rows(task: dict[str, Any], report: BuildReport, *, text_field: str = TEXT_FIELD) -> tuple[int, str, list[AnnotationRow]]:
    """A task from Label Studio as (id, text, one row per submitted annotation)."""
    text = (task.get("data") or {}).get(text_field)
    task_id = int(task["id"])
    if not isinstance(text, str):
        return task_id, "", []
    predictions = {p.get("id"): p for p in task.get("predictions") or [] if isinstance(p, dict)}
    rows = []
    for a in task.get("annotations") or []:
        if a.get("was_cancelled"):
            report.cancelled += 1
            continue
        given, bad = regions(a.get("result"), text)
        parent = predictions.get(a.get("parent_prediction"))
        suggested, bad_too = regions(parent.get("result") if parent else None, text, learned=False)
        recalled, _ = regions(parent.get("result") if parent else None, text, learned=True)
        report.skipped_regions += bad + bad_too
        rows.append(AnnotationRow(int(a["id"]), task_id, text, tuple(given), tuple(suggested), tuple(recalled)))
    if rows:
        report.tasks += 1
        report.annotations += len(rows)
    return task_id, text, rows


def find(studio: Studio, project: str | int) -> Project:
    """A project by id (digits) or exact title."""
    if isinstance(project, int) or str(project).isdigit():
        return lookup_project(studio, title=None, project_id=int(project), hint="")
    return lookup_project(studio, title=str(project), project_id=None, hint="Check the title (it must match exactly) or pass the project's id.")


def build(studio: Studio, project: Project, store: MemoryStore, *, text_field: str = TEXT_FIELD) -> BuildReport:
    """Put every annotated task of the project into `store`, streamed."""
    report = BuildReport(project.id, project.title)

    def stream() -> Iterator[tuple[int, str, list[AnnotationRow]]]:
        for task in studio.iter_annotated_tasks(project.id):
            yield task_rows(task, report, text_field=text_field)

    store.replace_tasks(stream())
    store.set("project", str(project.id))
    store.set("url", studio.url)
    return report


def rebuild(studio: Studio, project: Project, path: Path) -> BuildReport:
    """Build the project's store beside `path`, then move it over: a reader never sees half a store."""
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    store = MemoryStore(tmp)
    try:
        report = build(studio, project, store)
    finally:
        store.close()
    swap_in(tmp, path)
    return report


def memory_of(studio: Studio, project: str | int, *, thresholds: Thresholds | None = None) -> tuple[Memory, BuildReport]:
    """The memory of a project, rebuilt from Label Studio now (a temporary store)."""
    found = find(studio, project)
    store = MemoryStore()
    try:
        report = build(studio, found, store)
        return store.memory(thresholds), report
    finally:
        store.close()
