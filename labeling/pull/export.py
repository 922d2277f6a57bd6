"""One task of a Label Studio JSON export -> the parts of one dataset record.

`meta` of a record (see build.py for the rest):

    project_id, task_id       Label Studio ids
    annotation_id             the annotation the record describes (policy.choose)
    annotation_ids            every annotation the spans came from (majority: all counting)
    annotator, annotator_id   email and id of annotation_id's author
    created_at, updated_at, lead_time, ground_truth   of annotation_id
    model_version, prediction_id   the pre-annotation the annotator started from:
                              the annotation's parent_prediction (Label Studio embeds
                              that prediction in the export); without a parent, the
                              prediction Label Studio embeds with the annotation.
    regions                   {kept, changed, added, deleted}: result items with origin
                              "prediction", "prediction-changed", "manual" (or none),
                              and suggestion regions absent from the annotation (null
                              when no suggestion is known)
    doc                       the document's own metadata (task data `meta`)
    content_hash              task data `content_hash` as pushed
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import Relation, Span, content_hash, normalise
from ..scheme import Scheme
from . import policy as policies
from .build import relation_dicts, span_dicts
from .validate import Issue, validate


@dataclass
class Pending:
    """A record before tokenization."""

    doc_id: str
    task_id: int
    text: str
    spans: list[Span]
    relations: list[Relation]
    meta: dict[str, Any]
    suggestion: dict[str, Any] | None
    annotations: list[dict[str, Any]] = field(default_factory=list)


def _renormalise(raw: str, result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Offsets into a text holding CRLF, moved to the normalised text (LF only)."""
    if "\r\n" not in raw:
        return result
    crlf = [m.start() for m in re.finditer("\r\n", raw)]

    def at(i: Any) -> Any:
        return i - bisect.bisect_left(crlf, i) if isinstance(i, int) else i

    out = []
    for item in result:
        v = item.get("value")
        if item.get("type") == "labels" and isinstance(v, dict):
            item = {**item, "value": {**v, "start": at(v.get("start")), "end": at(v.get("end")), "text": normalise(v.get("text") or "")}}
        out.append(item)
    return out


def _suggestion(
    annotation: dict[str, Any], text: str, input_hash: str, scheme: Scheme, task_id: int, doc_id: str, predictions: Sequence[Any] = ()
) -> dict[str, Any] | None:
    # The annotation's own `prediction` copy is the one of the project's model_version at the
    # time it was saved; `parent_prediction` names the one the annotator actually started
    # from, so look that up among the task's (fully exported) predictions first.
    parent = annotation.get("parent_prediction")
    by_id = {p["id"]: p for p in predictions if isinstance(p, dict) and p.get("id") is not None}
    pred = by_id.get(parent) if parent is not None else None
    if pred is None:
        pred = annotation.get("prediction")
    if not isinstance(pred, dict) or not pred.get("id") or (parent is not None and pred["id"] != parent):
        if parent is None:
            return None
        return {"model_version": None, "prediction_id": parent, "spans": [], "relations": [], "region_ids": []}
    # Pre-annotations are the toolkit's own output: their problems are not annotators' and are not reported.
    spans, rels, _ = validate(text, input_hash, pred.get("result") or [], scheme, task_id=task_id, annotation_id=None, doc_id=doc_id)
    region_ids = sorted({str(i.get("id")) for i in pred.get("result") or [] if i.get("type") == "labels"})
    return {
        "model_version": pred.get("model_version"),
        "prediction_id": pred["id"],
        "spans": span_dicts(spans),
        "relations": relation_dicts(rels),
        "region_ids": region_ids,
    }


def _regions(result: list[dict[str, Any]], suggestion: dict[str, Any] | None) -> dict[str, int | None]:
    origins = {"prediction": "kept", "prediction-changed": "changed"}
    counts: dict[str, int | None] = {"kept": 0, "changed": 0, "added": 0}
    ids = set()
    for item in result:
        if item.get("type") == "labels":
            kind = origins.get(item.get("origin") or "manual", "added")
            counts[kind] = (counts[kind] or 0) + 1
            ids.add(str(item.get("id")))
    counts["deleted"] = None if not suggestion or suggestion["model_version"] is None else len(set(suggestion["region_ids"]) - ids)
    return counts


def from_task(
    task: dict[str, Any], *, scheme: Scheme, policy: str, project_id: int, users: dict[int, str], decision: Any = None, fallback: str = "majority"
) -> tuple[Pending | None, list[Issue]]:
    """The record parts for one exported task (None when no annotation counts) and the issues found."""
    task_id = int(task["id"])
    data = task.get("data") or {}
    raw = str(data.get("text") or "")
    text = normalise(raw)
    doc_id = str(data.get("doc_id") or f"task-{task_id}")
    annotations = policies.counting(task.get("annotations") or [])
    if not annotations:
        return None, []
    input_hash = content_hash(text)
    issues: list[Issue] = []
    versions: dict[int, tuple[list[Span], list[Relation]]] = {}
    for a in annotations:
        result = _renormalise(raw, a.get("result") or [])
        spans, rels, found = validate(text, input_hash, result, scheme, task_id=task_id, annotation_id=a.get("id"), doc_id=doc_id)
        versions[a["id"]] = (spans, rels)
        issues += found
    chosen = policies.choose(annotations, policy)
    adjudication: dict[str, Any] = {}
    if policy == "adjudicated":
        spans, rels, used, adjudication = _adjudicated(versions, chosen, decision, fallback, text, input_hash, scheme, task_id, doc_id, issues)
        adjudication["annotators"] = sorted({annotator_name(a, users) for a in annotations})
    elif policy == "majority":
        spans, rels = policies.majority(list(versions.values()))
        used = [a["id"] for a in annotations]
    else:
        spans, rels = versions[chosen["id"]]
        used = [chosen["id"]]
    suggestion = _suggestion(chosen, text, input_hash, scheme, task_id, doc_id, task.get("predictions") or [])
    author_id = annotator_id(chosen)
    meta = {
        "project_id": project_id,
        "task_id": task_id,
        "annotation_id": chosen["id"],
        "annotation_ids": sorted(used),
        "annotator": users.get(author_id, str(author_id)) if author_id is not None else None,
        "annotator_id": author_id,
        "created_at": chosen.get("created_at"),
        "updated_at": chosen.get("updated_at"),
        "lead_time": chosen.get("lead_time"),
        "ground_truth": bool(chosen.get("ground_truth")),
        "model_version": suggestion["model_version"] if suggestion else None,
        "prediction_id": suggestion["prediction_id"] if suggestion else None,
        "regions": _regions(chosen.get("result") or [], suggestion),
        "doc": data.get("meta") or {},
        "content_hash": data.get("content_hash"),
        **adjudication,
    }
    if suggestion:
        suggestion = {k: v for k, v in suggestion.items() if k != "region_ids"}
    each = _every_version(annotations, versions, users) if len(annotations) >= 2 else []
    return Pending(doc_id, task_id, text, spans, rels, meta, suggestion, each), issues


def _every_version(annotations: list[dict[str, Any]], versions: dict[int, tuple[list[Span], list[Relation]]], users: dict[int, str]) -> list[dict[str, Any]]:
    """The record's `annotations`: every counting annotation's author and version, by annotation id."""
    return [
        {
            "annotation_id": a["id"],
            "annotator": annotator_name(a, users),
            "annotator_id": annotator_id(a),
            "created_at": a.get("created_at"),
            "updated_at": a.get("updated_at"),
            "lead_time": a.get("lead_time"),
            "ground_truth": bool(a.get("ground_truth")),
            "spans": span_dicts(versions[a["id"]][0]),
            "relations": relation_dicts(versions[a["id"]][1]),
        }
        for a in sorted(annotations, key=lambda a: a["id"])
    ]


def _adjudicated(versions, chosen, decision, fallback: str, text: str, input_hash: str, scheme: Scheme, task_id: int, doc_id: str, issues: list[Issue]):
    """The `adjudicated` policy (policy.py): spans, relations, annotation ids used, and the meta naming the rule."""
    if decision is not None:
        spans, rels, found = validate(text, input_hash, decision.result, scheme, task_id=task_id, annotation_id=decision.annotation_id, doc_id=doc_id)
        issues += found
        meta = {"rule": "adjudicated", "reviewer": decision.reviewer, "review_task_id": decision.review_task_id, "review_annotation_id": decision.annotation_id}
        return spans, rels, sorted(versions), meta
    every = list(versions.values())
    if len(every) == 1 or policies.all_agree(every):
        rule = "single" if len(every) == 1 else "agreed"
        spans, rels = versions[chosen["id"]]
        return spans, rels, sorted(versions), {"rule": rule, "reviewer": None}
    if fallback == "majority":
        spans, rels = policies.majority(every)
        return spans, rels, sorted(versions), {"rule": "majority", "reviewer": None}
    spans, rels = versions[chosen["id"]]
    return spans, rels, [chosen["id"]], {"rule": "latest", "reviewer": None}


class Progress:
    """Tasks and annotators, counted while streaming, for the manifest and the report."""

    def __init__(self) -> None:
        self.tasks = {"total": 0, "annotated": 0, "skipped": 0, "unannotated": 0}
        self.annotators: dict[str, dict[str, Any]] = {}
        self._lead: dict[str, list[float]] = {}

    def add(self, task: dict[str, Any], users: dict[int, str]) -> None:
        self.tasks["total"] += 1
        annotations = task.get("annotations") or []
        if any(not a.get("was_cancelled") for a in annotations):
            self.tasks["annotated"] += 1
        elif annotations:
            self.tasks["skipped"] += 1
        else:
            self.tasks["unannotated"] += 1
        for a in annotations:
            name = annotator_name(a, users)
            row = self.annotators.setdefault(name, {"done": 0, "skipped": 0})
            row["skipped" if a.get("was_cancelled") else "done"] += 1
            if not a.get("was_cancelled") and isinstance(a.get("lead_time"), (int, float)):
                self._lead.setdefault(name, []).append(float(a["lead_time"]))

    def to_dict(self) -> dict[str, Any]:
        annotators = {}
        for name, row in sorted(self.annotators.items()):
            times = sorted(self._lead.get(name, []))
            median = times[len(times) // 2] if len(times) % 2 else (sum(times[len(times) // 2 - 1 : len(times) // 2 + 1]) / 2 if times else None)
            annotators[name] = {**row, "lead_time_total": round(sum(times), 3), "lead_time_median": median}
        return {"tasks": dict(self.tasks), "annotators": annotators}


def annotator_id(annotation: dict[str, Any]) -> Any:
    """The user id of an export annotation's author (Label Studio gives an id, or a user object)."""
    who = annotation.get("completed_by")
    return who.get("id") if isinstance(who, dict) else who


def annotator_name(annotation: dict[str, Any], users: dict[int, str]) -> str:
    """The author's email when Label Studio knows the user, else the id as text."""
    who = annotator_id(annotation)
    return users.get(who, str(who)) if isinstance(who, int) else str(who)
