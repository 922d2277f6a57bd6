"""`labeling push --refresh`: the newest suggestions for the tasks nobody has annotated yet.

    added = refresh(studio, project, nlp=nlp, learn=memory.applier())

Every task holding no annotation (submitted or skipped) gets a prediction of the
current model_version, unless it already holds one: a second run adds nothing.
Annotated tasks keep what they have (their annotators saw those suggestions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..preannotate.run import preannotate
from ..records import Annotated, Document, content_hash
from ..studio.client import Project, Studio
from .build import TEXT_FIELD

BATCH = 200


@dataclass
class RefreshReport:
    unannotated: int = 0
    added: int = 0
    already: int = 0
    model_version: str = ""


def refresh(
    studio: Studio, project: Project, *, nlp, learn: Callable[[Annotated], Annotated] | None = None, text_field: str = TEXT_FIELD, batch_size: int = 64
) -> RefreshReport:
    report = RefreshReport()
    states = [(s.id, s.data) for s in studio.iter_task_states(project.id) if s.annotations == 0 and isinstance(s.data.get(text_field), str)]
    report.unannotated = len(states)

    def docs() -> Iterator[Document]:
        for task_id, data in states:
            text = data[text_field]
            yield Document(id=str(task_id), text=text, hash=data.get("content_hash") or content_hash(text), meta=data.get("meta") or {})

    holding: set[int] | None = None
    batch: list[dict] = []
    for annotated in preannotate(docs(), nlp=nlp, batch_size=batch_size):
        if learn is not None:
            annotated = learn(annotated)
        if holding is None:
            report.model_version = annotated.model_version
            holding = studio.task_ids_with_model_version(project.id, annotated.model_version)
        task_id = int(annotated.doc.id)
        if task_id in holding:
            report.already += 1
            continue
        batch.append({"task": task_id, **annotated.prediction()})
        if len(batch) >= BATCH:
            report.added += studio.import_predictions(project.id, batch)
            batch = []
    if batch:
        report.added += studio.import_predictions(project.id, batch)
    return report
