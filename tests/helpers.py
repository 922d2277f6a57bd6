"""Helpers the test modules share: tasks as `labeling` writes them, Label Studio result items, ids."""

from __future__ import annotations

import json
from pathlib import Path

from label_studio_sdk import LabelStudio

from labeling.records import Annotated, Document, Relation, Span, region_id
from labeling.studio.client import Studio

MV = "pull-test-model-1"


def raw_sdk(studio: Studio) -> LabelStudio:
    """The SDK client behind a Studio, for test set-up and checks the library has no use for (creating users, raw fields)."""
    return studio._sdk


def region(text: str, rid: str, start: int, end: int, label: str, origin: str = "manual", stored: str | None = None) -> dict:
    """A result item the way the Label Studio UI submits a text region."""
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": origin,
        "value": {"start": start, "end": end, "text": text[start:end] if stored is None else stored, "labels": [label]},
    }


def arrow(head: str, child: str, label: str | None = "attributed_to") -> dict:
    item = {"from_id": head, "to_id": child, "type": "relation", "direction": "right"}
    if label:
        item["labels"] = [label]
    return item


def rid(doc: Document, start: int, end: int, label: str) -> str:
    return region_id(doc.hash, start, end, label)


def task_for(doc: Document, spans: list[tuple[int, int, str]], relations: list[tuple[int, int]] = (), model_version: str = MV) -> dict:
    """A task with one prediction; relations index into `spans` (head, child)."""
    objs = [Span(s, e, label, doc.text[s:e], rid(doc, s, e, label)) for s, e, label in spans]
    rels = [Relation(objs[h].id, objs[c].id, "attributed_to") for h, c in relations]
    return Annotated(doc, objs, rels, model_version, 0.5).to_task()


def prediction_ids(studio: Studio, task_ids: list[int]) -> dict[int, int]:
    sdk = raw_sdk(studio)
    out = {}
    for tid in task_ids:
        preds = sdk.tasks.get(id=tid).predictions or []
        if preds:
            p = preds[0]
            out[tid] = p["id"] if isinstance(p, dict) else p.id
    return out


def make_tasks(n: int, model_version: str = "toy-v1", prefix: str = "doc") -> list[dict]:
    """n tasks, each with a CLAIM -> SOURCE prediction at known offsets."""
    tasks = []
    for i in range(n):
        text = f'Report {prefix} {i}: the army said "{i} drones were shot down" near Kharkiv.'
        doc = Document.make(f"{prefix}-{i:05d}", text, {"outlet": "test"})
        c0 = text.index('"') + 1
        c1 = text.index('"', c0)
        s0 = text.index("army")
        claim = Span(c0, c1, "CLAIM", text[c0:c1], region_id(doc.hash, c0, c1, "CLAIM"), 0.8)
        source = Span(s0, s0 + 4, "SOURCE", "army", region_id(doc.hash, s0, s0 + 4, "SOURCE"), 0.9)
        rel = Relation(claim.id, source.id, "attributed_to", 0.8)
        tasks.append(Annotated(doc, [claim, source], [rel], model_version, 0.8).to_task())
    return tasks


def write_jsonl(path: Path, tasks: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks))
    return path


def project_tasks(studio, project_id: int) -> list[dict]:
    sdk = raw_sdk(studio)
    return [t.dict() for t in sdk.tasks.list(project=project_id, fields="all", page_size=500)]


def annotate_as_predicted(studio: Studio, task_id: int, pred_id: int, doc: Document, rec: dict, *, drop: int = 0) -> int:
    """Accept the prediction (the gold spans), leaving out the first `drop` spans not used by relations."""
    by_id = {s["id"]: s for s in rec["spans"]}
    used = {r["head_span"] for r in rec["relations"]} | {r["child_span"] for r in rec["relations"]}
    removable = [s["id"] for s in rec["spans"] if s["id"] not in used][:drop]
    keep = [s for s in rec["spans"] if s["id"] not in removable]
    result = [region(doc.text, rid(doc, s["start"], s["end"], s["label"]), s["start"], s["end"], s["label"], "prediction") for s in keep]
    for r in rec["relations"]:
        h, c = by_id[r["head_span"]], by_id[r["child_span"]]
        result.append(arrow(rid(doc, h["start"], h["end"], h["label"]), rid(doc, c["start"], c["end"], c["label"])))
    return studio.create_annotation(task_id, result=result, lead_time=10.0, parent_prediction=pred_id)


def add_documents(studio: Studio, project_id: int, recs: list[dict]) -> dict[str, tuple[int, int]]:
    """Import gold records as predicted tasks and accept each prediction; doc id -> (task id, annotation id)."""
    docs = [Document.make(r["id"], r["text"], r["meta"]) for r in recs]
    tasks = [task_for(d, [(s["start"], s["end"], s["label"]) for s in r["spans"]]) for d, r in zip(docs, recs)]
    ids = studio.import_tasks(project_id, tasks)
    preds = prediction_ids(studio, ids)
    return {d.id: (t, annotate_as_predicted(studio, t, preds[t], d, r)) for d, r, t in zip(docs, recs, ids)}
