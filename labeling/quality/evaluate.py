"""Score predictions against gold: the library twin of `labeling evaluate`.

Both files may be dataset JSONL (records with `id`, `text`, `spans`,
`relations`) or Label Studio tasks JSONL (`data` plus `predictions` /
`annotations`); the format is detected per line. Documents are paired by id
(record `id`, task `data.doc_id`), else by the hash of the normalised text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..records import Relation, Span, content_hash, from_results, iter_jsonl, normalise
from ..scheme import default_scheme
from .metrics import Scores, score

Prefer = Literal["annotations", "predictions"]


@dataclass(slots=True)
class Scored:
    """One document's spans and relations as read from a gold or prediction file."""

    id: str
    hash: str
    spans: list[Span]
    relations: list[Relation]
    origin: str  # "path:line"


@dataclass(slots=True)
class Evaluation:
    scores: Scores
    documents: int  # documents found in both files
    only_gold: list[str] = field(default_factory=list)  # ids (or origins) of unpaired gold documents
    only_pred: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "only_gold": self.only_gold, "only_pred": self.only_pred, **self.scores.to_dict()}


def evaluate(gold_path: Path, pred_path: Path, *, model_version: str | None = None, labels: tuple[str, ...] | None = None) -> Evaluation:
    """Micro-averaged scores of `pred_path` against `gold_path` over the documents in both.

    `model_version` picks which prediction of a task to score (default: the last).
    `labels` are always reported, even when absent (default: the scheme's labels).
    """
    if labels is None:
        labels = default_scheme().label_names
    gold = read_scored(gold_path, prefer="annotations")
    pred = read_scored(pred_path, prefer="predictions", model_version=model_version)
    pairs, only_gold, only_pred = pair_documents(gold, pred)
    if not pairs:
        raise InputError(str(pred_path), f"no document matches one in {gold_path} by id or text", "Check that both files hold the same documents.")
    total = Scores()
    for g, p in pairs:
        total = total + score(g.spans, g.relations, p.spans, p.relations, labels=labels)
    return Evaluation(total, len(pairs), only_gold, only_pred)


def pair_documents(gold: list[Scored], pred: list[Scored]) -> tuple[list[tuple[Scored, Scored]], list[str], list[str]]:
    """Pair by id, then by text hash; return the pairs and the ids left over on each side."""
    by_id = {p.id: p for p in pred if p.id}
    by_hash: dict[str, Scored] = {}
    for q in pred:
        by_hash.setdefault(q.hash, q)
    used: set[int] = set()
    pairs, only_gold = [], []
    for g in gold:
        p: Scored | None = by_id.get(g.id) if g.id else None
        if p is not None and p.hash != g.hash:
            raise InputError(
                p.origin,
                f"document {g.id!r} has other text than in {g.origin}",
                "Offsets are only comparable on the same text; re-run the predictions on the gold texts.",
            )
        if p is None or id(p) in used:
            p = by_hash.get(g.hash)
        if p is None or id(p) in used:
            only_gold.append(g.id or g.origin)
            continue
        used.add(id(p))
        pairs.append((g, p))
    only_pred = [p.id or p.origin for p in pred if id(p) not in used]
    return pairs, only_gold, only_pred


def read_scored(path: Path, *, prefer: Prefer = "predictions", model_version: str | None = None) -> list[Scored]:
    """Read dataset records or Label Studio tasks; errors name `path:line`."""
    path = Path(path)
    docs: list[Scored] = []
    seen: dict[str, str] = {}
    for n, obj in iter_jsonl(path):
        origin = f"{path}:{n}"
        try:
            doc = _parse(obj, origin, prefer, model_version)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                origin,
                f"malformed record ({type(exc).__name__}: {exc})",
                "Expected a dataset record {id, text, spans, relations} or a Label Studio task {data, predictions}.",
            ) from None
        if doc.id and doc.id in seen:
            raise InputError(origin, f"duplicate document id {doc.id!r} (first at {seen[doc.id]})", "Ids must be unique in a file.")
        seen[doc.id] = origin
        docs.append(doc)
    return docs


def _parse(obj: Any, origin: str, prefer: Prefer, model_version: str | None) -> Scored:
    if not isinstance(obj, dict):
        raise TypeError("a line is not a JSON object")
    if isinstance(obj.get("data"), dict):
        text = obj["data"]["text"]
        doc_id = str(obj["data"].get("doc_id") or obj.get("id") or "")
        spans, relations = from_results(_task_result(obj, origin, prefer, model_version))
    else:
        text, doc_id = obj["text"], str(obj.get("id") or "")
        spans = [Span(int(s["start"]), int(s["end"]), s["label"], s.get("text", ""), str(s.get("id", ""))) for s in obj.get("spans") or []]
        # Dataset records name span ids in head_span/child_span (head/child are token indices);
        # older gold files used head/child for the ids.
        relations = [Relation(r.get("head_span", r.get("head")), r.get("child_span", r.get("child")), r["label"]) for r in obj.get("relations") or []]
    text = normalise(text)
    for s in spans:
        if not (isinstance(s.start, int) and isinstance(s.end, int) and 0 <= s.start <= s.end <= len(text)):
            raise InputError(
                origin,
                f"span {s.label} [{s.start}, {s.end}) lies outside the text ({len(text)} characters)",
                "Offsets are Python string indices into the normalised text.",
            )
    return Scored(doc_id, content_hash(text), spans, relations, origin)


def _task_result(task: dict, origin: str, prefer: Prefer, model_version: str | None) -> list[dict]:
    """The result list to score: a prediction (by model version, else the last) or a human annotation."""
    predictions = task.get("predictions") or []
    if model_version is not None:
        chosen = [p for p in predictions if p.get("model_version") == model_version]
        if not chosen:
            found = sorted({str(p.get("model_version")) for p in predictions})
            raise InputError(
                origin,
                f"no prediction from model version {model_version!r} (found: {', '.join(found) or 'none'})",
                "Pass one of the versions found, or omit --model-version to use the last prediction.",
            )
        return chosen[-1].get("result") or []
    annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    order = (annotations, predictions) if prefer == "annotations" else (predictions, annotations)
    for candidates in order:
        if candidates:
            return candidates[-1].get("result") or []
    raise InputError(origin, "task has neither predictions nor annotations", "Pre-annotate the task, or drop it from the file.")
