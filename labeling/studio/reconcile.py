"""Make concurrent pushes converge: one project per title, one task per document.

Label Studio has no unique constraint or lock on project titles or task data,
so two pushes that start together can both create the project, or both import
the same document. Every push re-reads what it relies on after creating a
project and after importing, and applies the same deterministic rule:

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

Removal converges whatever the interleaving. A push reconciles after its own
last import, so the push whose batch lands last reads everything; it re-reads
until a read finds nothing to remove (a read made while another push's batches
land or its deletes run can miss tasks; the read after one's own delete cannot
miss what that delete left). The survivor rule depends only on what is read
(the lowest id of a document's unannotated tasks), and a task is removed only
when a lower one of its document was seen, so two pushers never remove each
other's survivor. Removal itself is serialised by a per-project lock file
(studio/lock.py): no two pushes on this machine delete at the same moment,
which SQLite Label Studio cannot take. The count reported is Label Studio's
own answer to our deletes, so two pushers never count the same task.
The delete carries a "no annotations" filter, so an annotation submitted
after our check still protects its task. See docs/concurrency.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import DatabaseLocked, DuplicatesNeedReview, LabelingError, ProjectGone
from .client import Project, Studio, TaskState
from .lock import removal_lock

MANAGED_MARK = "Managed by the `labeling` toolkit"
MAX_ROUNDS = 20  # reads per reconcile; another push still importing reconciles its own late batches itself
DELETE_CHUNK = 500  # tasks per delete request: each holds SQLite's one write lock only briefly
LOCKED_BACKOFF = (0.5, 1.0, 2.0, 4.0)  # seconds between retries of a delete answered `database is locked`


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
    with removal_lock(studio.url, project_id):
        delete_tasks(studio, project_id, [s.id for s in studio.iter_task_states(project_id)])


def twin_title(title: str, keeper_id: int) -> str:
    """The merged twin's new name; Label Studio allows 50 characters."""
    suffix = f" [empty twin of {keeper_id}]"
    return title[: 50 - len(suffix)] + suffix


def reconcile_tasks(studio: Studio, project_id: int, result: Reconciled) -> Reconciled:
    """Leave one task per document in the project (see the module docstring).

    Under the project's removal lock (studio/lock.py), so no two pushes here delete at
    once: read, remove, and read again until a read finds nothing left to remove,
    since another push's batches may land while we work. A task counts as removed
    by this push when it was in our delete and the next read no longer holds it.
    `needs_review` is what the last read found.
    """
    sent: dict[int, str] = {}  # task id -> doc id, deleted by the previous round
    with removal_lock(studio.url, project_id):
        for round_no in range(MAX_ROUNDS + 1):
            states = list(studio.iter_task_states(project_id))
            held = {s.id: doc_key(s) for s in states}
            result.tasks_removed += sum(held.get(task_id) != doc_id for task_id, doc_id in sent.items())  # SQLite Label Studio reuses freed ids
            review: list[tuple[str, list[int]]] = []
            sent = _remove_duplicates_once(studio, project_id, states, result, review) if round_no < MAX_ROUNDS else {}
            if not sent:
                break
        result.needs_review = review
    return result


def _remove_duplicates_once(
    studio: Studio, project_id: int, states: list[TaskState], result: Reconciled, review: list[tuple[str, list[int]]]
) -> dict[int, str]:
    """The removal one read of the project calls for: the tasks it deleted (id -> doc id), none when nothing was left to remove."""
    by_doc: dict[str, list[TaskState]] = defaultdict(list)
    for state in states:
        if (key := doc_key(state)) is not None:
            by_doc[key].append(state)
    groups = {doc_id: sorted(states, key=lambda s: s.id) for doc_id, states in sorted(by_doc.items()) if len(states) > 1}
    plans = []
    for doc_id, group in groups.items():
        annotated = [s for s in group if s.annotations]
        keeper = annotated[0] if annotated else group[0]
        plans.append((doc_id, annotated, keeper, [s for s in group if s not in annotated and s is not keeper]))
    worked = _with_work(studio, [s.id for *_, extra in plans for s in extra])  # only tasks we would delete
    doomed: dict[int, list[TaskState]] = {}  # keeper id -> its removable duplicates
    for doc_id, annotated, keeper, extra in plans:
        kept = annotated + [s for s in extra if s.id in worked]
        if len(kept) > 1 or (kept and keeper not in kept):
            review.append((doc_id, sorted({keeper.id, *(s.id for s in kept)})))
        if removable := [s for s in extra if s.id not in worked]:
            doomed[keeper.id] = removable
    if not doomed:
        return {}
    _move_predictions(studio, project_id, doomed, result)
    sent = {s.id: str(doc_key(s)) for extra in doomed.values() for s in extra}
    delete_tasks(studio, project_id, list(sent))
    return sent


def _move_predictions(studio: Studio, project_id: int, doomed: dict[int, list[TaskState]], result: Reconciled) -> None:
    """Give each keeper the predictions (by model_version) it lacks and a duplicate about to be removed holds."""
    # One Data Manager query per model_version instead of one request per task.
    holding = {mv: studio.task_ids_with_model_version(project_id, mv) for mv in studio.model_versions(project_id)}
    moving: list[dict] = []
    for keeper_id, extra in doomed.items():
        for mv, ids in holding.items():
            donor = next((s for s in extra if s.id in ids), None)
            if keeper_id not in ids and donor is not None:
                moving += [{"task": keeper_id, **p} for p in studio.task_predictions(donor.id) if p["model_version"] == mv]
    if moving:
        studio.import_predictions(project_id, moving)
        result.predictions_moved += len(moving)


def delete_tasks(studio: Studio, project_id: int, task_ids: list[int]) -> int:
    """Delete unannotated tasks in short requests, retrying `database is locked` with backoff; returns how many Label Studio removed."""
    removed = 0
    for start in range(0, len(task_ids), DELETE_CHUNK):
        chunk = task_ids[start : start + DELETE_CHUNK]
        for attempt in range(len(LOCKED_BACKOFF) + 1):
            try:
                removed += studio.delete_unannotated_tasks(project_id, chunk)
                break
            except DatabaseLocked:
                if attempt == len(LOCKED_BACKOFF):
                    raise
                time.sleep(LOCKED_BACKOFF[attempt])
    return removed


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
