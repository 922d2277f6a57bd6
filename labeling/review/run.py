"""`labeling review`: every document whose annotators disagree becomes a task of a review project.

    export of project P -> each annotator's version per document (versions.py)
    -> documents with at least `min_disagreement` differing spans/relations
    -> review project "P (review)" (created from the scheme when missing):
       one task per document, data = the document + `review_of` (source project,
       task, the annotations' signature), predictions = each annotator's
       version (model_version = the annotator's email) and the agreed part
       (model_version "agreed", imported last: Label Studio starts the
       reviewer's annotation from it)
    -> the reviewer corrects and submits: that annotation is the decision,
       read by `labeling pull --policy adjudicated`.

Re-running adds only documents not yet in the review project. A review task is
never changed once imported; when a document's annotations changed after its
review task was made, it is listed (`changed`), not re-queued.
Everything is checked before the first write: no document with two annotations,
a review project whose config is not the scheme, or the source project named as
the review project raise, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigConflict, LabelingError
from ..records import to_results
from ..scheme import Scheme, config_differences, default_scheme
from ..studio.client import Project, Studio
from ..studio.projects import create_from_scheme, lookup_project
from .versions import DocVersions, doc_versions, exported

AGREED = "agreed"  # model_version of the starting point in a review task
REVIEW_KEY = "review_of"  # task data key naming the reviewed document


def review_title(title: str) -> str:
    return f"{title} (review)"


@dataclass
class ReviewResult:
    project: Project
    review_project: Project
    created_project: bool
    multi_annotated: int  # documents with two or more annotations
    agreed: int  # of those, where every annotator holds the same spans and relations
    below_threshold: int  # disagreeing, but by fewer than min_disagreement spans/relations
    added: list[str] = field(default_factory=list)  # doc ids of new review tasks
    already: int = 0  # disagreements already in the review project
    decided: int = 0  # review tasks holding a decision
    changed: list[str] = field(default_factory=list)  # doc ids whose annotations changed after their review task was made


def review(
    studio: Studio,
    *,
    project: str | None = None,
    project_id: int | None = None,
    review_project: str | None = None,
    min_disagreement: int = 1,
    scheme: Scheme | None = None,
) -> ReviewResult:
    """Queue the documents whose annotators disagree for adjudication (see the module docstring)."""
    if min_disagreement < 1:
        raise LabelingError(f"--min-disagreement {min_disagreement}: at least 1 differing span or relation.", "Leave it out to review every disagreement.")
    scheme = scheme or default_scheme()
    hint = "Check the title (it must match exactly), or list projects in the Label Studio UI."
    source = lookup_project(studio, title=project, project_id=project_id, hint=hint)
    title = review_project or review_title(source.title)
    target = _checked_review_project(studio, source, title, scheme)
    docs = _multi_annotated(studio, source, scheme)
    if not docs:
        raise LabelingError(
            f"No document of project {source.title!r} (id {source.id}) holds two annotations: there is nothing to compare.",
            f'Set overlap so each document goes to two annotators: labeling team overlap 2 --project "{source.title}"; then let them annotate.',
        )
    disagreeing = [d for d in docs if d.disagreement() >= min_disagreement]
    created = target is None
    if target is None:
        target = create_from_scheme(studio, scheme, title)
    agreed = sum(1 for d in docs if d.disagreement() == 0)
    result = ReviewResult(source, target, created, len(docs), agreed, len(docs) - len(disagreeing) - agreed)
    existing = _existing(studio, target.id, source.id)
    new = []
    for doc in disagreeing:
        held = existing.get(doc.task_id)
        if held is None:
            new.append(doc)
            continue
        result.already += 1
        if held["signature"] != doc.signature:
            result.changed.append(doc.doc_id)
    result.decided = sum(1 for e in existing.values() if e["decided"])
    if new:
        studio.import_tasks(target.id, [review_task(d, source.id) for d in new])
        # Label Studio sets an empty model_version to the last imported one and then serves only
        # that version's predictions: clear it so the reviewer sees every annotator's version.
        studio.update_project(target.id, model_version="", show_collab_predictions=True)
    result.added = [d.doc_id for d in new]
    return result


def _checked_review_project(studio: Studio, source: Project, title: str, scheme: Scheme) -> Project | None:
    """The existing review project (None when it is to be made); refuses one that cannot hold decisions."""
    if title == source.title:
        raise LabelingError(f"The review project cannot be the project under review ({title!r}).", "Leave out --review-project, or name another project.")
    found = studio.find_project(title)
    if found is not None:
        diffs = config_differences(found.label_config, scheme)
        if diffs:
            listed = "\n".join(f"  - {d}" for d in diffs)
            raise ConfigConflict(
                f"Review project {title!r} (id {found.id}) does not use the label scheme:\n{listed}",
                "Nothing was written. Name another review project with --review-project TITLE.",
            )
    return found


def _multi_annotated(studio: Studio, source: Project, scheme: Scheme) -> list[DocVersions]:
    users = studio.user_emails()
    docs = []
    with exported(studio, source.id) as tasks:
        for task in tasks:
            doc = doc_versions(task, scheme, users)
            if len(doc.versions) >= 2:
                docs.append(doc)
    return docs


def _existing(studio: Studio, review_id: int, source_id: int) -> dict[int, dict[str, Any]]:
    """Source task id -> {signature, decided} of the review tasks already made for project `source_id`."""
    out = {}
    for t in studio.iter_task_states(review_id):
        of = t.data.get(REVIEW_KEY) or {}
        if of.get("project_id") == source_id and isinstance(of.get("task_id"), int):
            out[of["task_id"]] = {"signature": of.get("signature"), "decided": t.annotations > 0}
    return out


def review_task(doc: DocVersions, source_id: int) -> dict[str, Any]:
    """One review task: the document, where it came from, each annotator's version, then the agreed part."""
    predictions = [{"model_version": name, "score": 1.0, "result": to_results(s, r)} for name, (s, r) in sorted(doc.versions.items())]
    # Label Studio starts the reviewer's annotation from the newest prediction: the agreed part goes last.
    spans, rels = doc.agreed()
    predictions.append({"model_version": AGREED, "score": 1.0, "result": to_results(spans, rels)})
    data = {k: v for k, v in doc.data.items() if k != REVIEW_KEY}
    data[REVIEW_KEY] = {
        "project_id": source_id,
        "task_id": doc.task_id,
        "signature": doc.signature,
        "annotators": sorted(doc.versions),
        "disagreement": doc.disagreement(),
    }
    return {"data": data, "predictions": predictions}
