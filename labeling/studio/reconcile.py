"""Make concurrent pushes converge: one project per title, one task per document.

Label Studio has no unique constraint or lock on project titles or task data,
so two pushes that start together can both create the project, or both import
the same document. Instead of a lock, every push re-reads what it relies on
after creating a project and after importing, and applies the same
deterministic rule; whatever the interleaving, the pushers converge:

- Projects: of several projects with one title, the lowest id is kept. A twin
  is merged into it (documents it lacks are imported with their predictions),
  emptied and renamed "<title> [empty twin of N]" (safe to delete),
  but only when the toolkit made it (our description) and it holds no
  annotation. Otherwise nothing is touched and the push stops, naming them.
  It is not deleted: Label Studio 1.23's project DELETE disconnects all Django
  signals process-wide while it runs (projects/api.py perform_destroy), so
  concurrent deletes can leave the server without them (annotation counters
  stop updating) until it restarts.
- Tasks: of several tasks of one document, the one holding annotations is kept,
  else the lowest id; a duplicate holding a draft is kept too. Predictions the others carry and the keeper lacks (by
  model_version) are moved to it first. A task with an annotation or a draft is
  never deleted; if several duplicates hold annotations they are all kept and
  reported by task id, so a person decides.

Deleting an already-deleted task or project is not an error, so several
pushers reconciling at once do no harm. The delete itself carries a "no
annotations" filter, so an annotation submitted after our check still
protects its task.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import DuplicatesNeedReview, LabelingError, ProjectGone
from .client import Project, Studio, TaskState

MANAGED_MARK = "Managed by the `labeling` toolkit"


@dataclass
class Reconciled:
    tasks_removed: int = 0
    predictions_moved: int = 0
    projects_removed: list[int] = field(default_factory=list)
    needs_review: list[tuple[str, list[int]]] = field(default_factory=list)  # (doc id, annotated task ids)

    def describe(self) -> str:
        parts = []
        if self.projects_removed:
            ids = ", ".join(map(str, self.projects_removed))
            parts.append(f"merged {len(self.projects_removed)} twin project(s) made by a concurrent push (id {ids}; emptied and renamed, safe to delete)")
        if self.tasks_removed:
            parts.append(f"removed {self.tasks_removed} duplicate tasks made by a concurrent push")
        if self.predictions_moved:
            parts.append(f"moved {self.predictions_moved} predictions to the kept tasks")
        return "; ".join(parts)


def doc_key(state: TaskState) -> str | None:
    """The document a task holds: our data.doc_id, else none (tasks made by others are left alone)."""
    doc_id = state.data.get("doc_id")
    return str(doc_id) if doc_id not in (None, "") else None


def settle_project(studio: Studio, title: str, current: Project, result: Reconciled) -> Project:
    """The one project for `title`: the lowest id of its twins, after merging the others into it."""
    twins = studio.projects_titled(title)
    if len(twins) <= 1:
        return twins[0] if twins else current
    keeper, others = twins[0], twins[1:]
    foreign = [p.id for p in others if MANAGED_MARK not in p.description]
    if foreign:
        ids = ", ".join(str(p.id) for p in twins)
        raise LabelingError(f"{len(twins)} projects are titled {title!r} (ids {ids}).", "Name one with --project-id.")
    for twin in others:
        _merge_into(studio, twin, keeper, title, result)
    return studio.get_project(keeper.id)


def _merge_into(studio: Studio, twin: Project, keeper: Project, title: str, result: Reconciled) -> None:
    try:
        states = list(studio.iter_task_states(twin.id))
    except ProjectGone:
        return  # another pusher merged it already
    annotated = [s.id for s in states if s.annotations or studio.task_holds_work(s.id)]
    if annotated:
        raise DuplicatesNeedReview(
            f"Projects {keeper.id} and {twin.id} are both titled {title!r}, and project {twin.id} holds annotated tasks ({_ids(annotated)}).",
            f"Nothing was deleted. Move or export those annotations, then delete project {twin.id} in Label Studio, or push with --project-id.",
        )
    have = {doc_key(s) for s in studio.iter_task_states(keeper.id)}
    missing = [s for s in states if doc_key(s) is not None and doc_key(s) not in have]
    for state in missing:  # rare: pushers of different parts of a corpus raced on creating the project
        studio.import_tasks(keeper.id, [{"data": state.data, "predictions": studio.task_predictions(state.id)}])
    # Renamed first, so no push finds it by title any more; then emptied. Never deleted: Label
    # Studio's project DELETE switches off every Django signal process-wide while it runs.
    studio.update_project(twin.id, title=twin_title(title, keeper.id))
    empty_twin(studio, twin.id)
    result.projects_removed.append(twin.id)


def empty_twin(studio: Studio, project_id: int) -> None:
    """Delete every unannotated task of a merged twin (an annotated one is kept: nothing is lost)."""
    studio.delete_unannotated_tasks(project_id, [s.id for s in studio.iter_task_states(project_id)])


def twin_title(title: str, keeper_id: int) -> str:
    """The merged twin's new name; Label Studio allows 50 characters."""
    suffix = f" [empty twin of {keeper_id}]"
    return title[: 50 - len(suffix)] + suffix


def reconcile_tasks(studio: Studio, project_id: int, result: Reconciled) -> Reconciled:
    """Leave one task per document in the project (see the module docstring)."""
    by_doc: dict[str, list[TaskState]] = defaultdict(list)
    for state in studio.iter_task_states(project_id):
        if (key := doc_key(state)) is not None:
            by_doc[key].append(state)
    groups = {doc_id: sorted(states, key=lambda s: s.id) for doc_id, states in sorted(by_doc.items()) if len(states) > 1}
    if not groups:
        return result
    # One Data Manager query per model_version instead of one request per task.
    holding = {mv: studio.task_ids_with_model_version(project_id, mv) for mv in studio.model_versions(project_id)}
    doomed: list[int] = []
    moving: list[dict] = []
    plans = []
    for doc_id, states in groups.items():
        held = [s for s in states if s.annotations]
        keeper = held[0] if held else states[0]
        plans.append((doc_id, states, held, keeper, [s for s in states if s not in held and s is not keeper]))
    worked = _with_work(studio, [s.id for *_, extra in plans for s in extra])  # only tasks we would delete
    for doc_id, _states, held, keeper, extra in plans:
        held = held + [s for s in extra if s.id in worked]
        extra = [s for s in extra if s.id not in worked]
        if len(held) > 1 or (held and keeper not in held):
            result.needs_review.append((doc_id, sorted({keeper.id, *(s.id for s in held)})))
        for mv, ids in holding.items():
            donor = next((s for s in extra if s.id in ids), None)
            if keeper.id not in ids and donor is not None:
                moving += [{"task": keeper.id, **p} for p in studio.task_predictions(donor.id) if p["model_version"] == mv]
        doomed += [s.id for s in extra]
    if moving:
        studio.import_predictions(project_id, moving)
        result.predictions_moved += len(moving)
    studio.delete_unannotated_tasks(project_id, doomed)
    result.tasks_removed += len(doomed)
    return result


def _with_work(studio: Studio, task_ids: list[int]) -> set[int]:
    """Which of these tasks hold an annotation or a draft, asked of each task (no bulk query exists), eight at a time."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return {t for t, has in zip(task_ids, pool.map(studio.task_holds_work, task_ids), strict=True) if has}


def needs_review_error(result: Reconciled) -> DuplicatesNeedReview:
    listed = "; ".join(f"{doc}: tasks {_ids(ids)}" for doc, ids in result.needs_review[:20])
    more = f" (and {len(result.needs_review) - 20} more)" if len(result.needs_review) > 20 else ""
    return DuplicatesNeedReview(
        f"{len(result.needs_review)} document(s) have several tasks that all hold annotations: {listed}{more}.",
        "Nothing annotated was deleted. Compare them in Label Studio and delete the ones you do not want; a re-run then reports nothing.",
    )


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))
