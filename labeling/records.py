"""The typed records that flow through the pipeline, and their Label Studio form.

ingest -> Document -> preannotate -> Annotated -> push (to_task) -> Label Studio
Offsets are Python `str` indices (code points) into the normalised text.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import jsonlines

from .errors import InputError
from .scheme import FROM_NAME, TO_NAME
from .storage import open_read


def normalise(text: str) -> str:
    """The only change made to input text: CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_hash(text: str) -> str:
    """sha256 of the normalised text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Document:
    id: str
    text: str
    hash: str
    meta: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # where it was read, "path:line"

    @classmethod
    def make(cls, id: str, text: str, meta: dict[str, Any] | None = None, origin: str = "") -> Document:
        text = normalise(text)
        return cls(id=id, text=text, hash=content_hash(text), meta=meta or {}, origin=origin)


@dataclass(slots=True)
class Span:
    start: int
    end: int
    label: str
    text: str
    id: str = ""
    score: float | None = None

    def key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


@dataclass(slots=True)
class Relation:
    head: str  # span id the arrow starts from (CLAIM)
    child: str  # span id it points to (SOURCE)
    label: str
    score: float | None = None


def region_id(doc_hash: str, start: int, end: int, label: str) -> str:
    """Deterministic region id: the same span in the same text always gets the same id."""
    return hashlib.sha1(f"{doc_hash}:{start}:{end}:{label}".encode()).hexdigest()[:10]


@dataclass(slots=True)
class Annotated:
    """A document with pre-annotations from one model version."""

    doc: Document
    spans: list[Span]
    relations: list[Relation]
    model_version: str
    score: float  # overall task score in [0, 1]; see README "Scores"

    def to_task(self) -> dict[str, Any]:
        """A Label Studio task: importable as is."""
        return {"data": task_data(self.doc), "predictions": [self.prediction()]}

    def prediction(self) -> dict[str, Any]:
        return {"model_version": self.model_version, "score": round(self.score, 4), "result": to_results(self.spans, self.relations)}


def task_data(doc: Document) -> dict[str, Any]:
    return {"text": doc.text, "doc_id": doc.id, "content_hash": doc.hash, "meta": doc.meta}


def to_results(spans: list[Span], relations: list[Relation]) -> list[dict[str, Any]]:
    """Spans and relations as Label Studio result items."""
    out: list[dict[str, Any]] = []
    for s in spans:
        item: dict[str, Any] = {
            "id": s.id,
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.label]},
        }
        if s.score is not None:
            item["score"] = round(s.score, 4)
        out.append(item)
    for r in relations:
        out.append({"from_id": r.head, "to_id": r.child, "type": "relation", "direction": "right", "labels": [r.label]})
    return out


def from_results(results: list[dict[str, Any]]) -> tuple[list[Span], list[Relation]]:
    """Label Studio result items back to spans and relations (no validation; see pull)."""
    spans: list[Span] = []
    relations: list[Relation] = []
    for item in results:
        if item.get("type") == "labels":
            v = item.get("value", {})
            for label in v.get("labels", []):
                spans.append(Span(v["start"], v["end"], label, v.get("text", ""), item.get("id", ""), item.get("score")))
        elif item.get("type") == "relation":
            labels = item.get("labels") or [""]
            head, child = item["from_id"], item["to_id"]
            if item.get("direction") == "left":
                head, child = child, head
            for label in labels:
                relations.append(Relation(head, child, label))
    return spans, relations


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, value) for every non-blank line of a JSONL file (a path or fsspec URL); a bad line raises InputError naming `path:line`."""
    line_no = 0

    def lines(fh: IO[bytes]) -> Iterator[bytes]:
        nonlocal line_no
        for raw in fh:
            line_no += 1
            yield raw

    try:
        fh = open_read(path)  # closed by the `with` below; opened apart to name a missing file
    except FileNotFoundError:
        raise InputError(str(path), "file not found", "Check the path.") from None
    with fh, jsonlines.Reader(lines(fh)) as reader:
        try:
            for value in reader.iter(skip_empty=True):
                yield line_no, value
        except jsonlines.InvalidLineError as exc:
            raise InputError(f"{path}:{exc.lineno}", f"not valid JSON ({exc.__cause__ or exc})", "Each line must hold one JSON object.") from None


def jsonl_writer(fh: IO[str]) -> jsonlines.Writer:
    """The one way records and tasks are written: UTF-8 as is, keys sorted, so the same input gives the same bytes."""
    return jsonlines.Writer(fh, dumps=functools.partial(json.dumps, ensure_ascii=False, sort_keys=True))
