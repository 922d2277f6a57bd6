"""One dataset record: tokens, token alignment and stable hashes.

A record is one JSON object per line (keys sorted, UTF-8, no ASCII escapes):

    id          document id (task data `doc_id`, else "task-<task id>")
    text        the normalised text; every offset is a Python str index into it
    spans       [{id, start, end, label, text, token_start, token_end}]
                sorted by (start, end, label); `id` is records.region_id(...), so
                the same region has the same id in every version and annotation.
                `token_end` is inclusive (Prodigy's convention).
    relations   [{head_span, child_span, label, head, child}]: `head_span` /
                `child_span` are span ids (CLAIM -> SOURCE); `head` / `child` are
                Prodigy-style token indices: the `token_end` of each end span.
    tokens      [{text, start, end, id, ws}] from the scheme's tokenizer
    misaligned  ids of spans whose start or end is not a token boundary. Their
                offsets are kept as annotated (never shifted); token_start /
                token_end then name the tokens that cover the span.
    meta        where it came from: Label Studio ids, annotator, timestamps,
                region origin counts, the document's own metadata (see export.py)
    input_hash  sha256 of the text; task_hash: sha256 of text + spans + relations
    suggestion  the pre-annotation the annotator started from, or null
    annotations every counting annotation when a task has two or more, else []
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from ..records import Relation, Span, content_hash


@lru_cache(maxsize=4)
def load_tokenizer(name: str):
    """The tokenizer of spaCy pipeline `name`, without loading any of its components."""
    # here, not at the top: spaCy takes seconds to import, and callers that never load a pipeline need none of it
    import spacy
    from spacy.util import get_package_path, is_package, load_meta

    if is_package(name):
        components = load_meta(get_package_path(name) / "meta.json").get("components", [])
        return spacy.load(name, exclude=components).tokenizer
    if "_" not in name and len(name) <= 3:  # a language code: spacy.blank("en")
        return spacy.blank(name).tokenizer
    nlp = spacy.load(name)
    return nlp.tokenizer


@dataclass(frozen=True)
class Tokens:
    """One text's tokens: their offsets, and the record's `tokens` list already encoded as
    JSON (building a dict per token and encoding it costs more than tokenizing)."""

    starts: list[int]
    ends: list[int]
    json: str  # [{"end", "id", "start", "text", "ws"}, ...]: keys sorted, as dumps() writes them


def tokens_of(doc, text: str) -> Tokens:
    # Read from spaCy's arrays (no Token objects: several times faster). `text` is the text the
    # tokenizer was given (equal to doc.text, which spaCy rebuilds from Token objects).
    rows = doc.to_array(["IDX", "LENGTH", "SPACY"]).tolist() if len(doc) else []
    items = (
        f'{{"end":{s + n},"id":{i},"start":{s},"text":{encode_basestring(text[s : s + n])},"ws":{"true" if w else "false"}}}'
        for i, (s, n, w) in enumerate(rows)
    )
    return Tokens([s for s, _, _ in rows], [s + n for s, n, _ in rows], "[" + ",".join(items) + "]")


def tokenize(tokenizer, texts: list[str], batch_size: int = 256) -> Iterator[Tokens]:
    for text, doc in zip(texts, tokenizer.pipe(texts, batch_size=batch_size), strict=True):
        yield tokens_of(doc, text)


class Alignment:
    """Map character offsets to token indices for one text."""

    def __init__(self, tokens: Tokens):
        self.starts, self.ends = tokens.starts, tokens.ends
        self._start_set = set(self.starts)
        self._end_set = set(self.ends)

    def aligned(self, start: int, end: int) -> bool:
        return start in self._start_set and end in self._end_set

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """(first, last) token overlapping [start, end); last is inclusive."""
        if not self.starts:
            return (0, 0)
        first = max(bisect.bisect_right(self.starts, start) - 1, 0)
        last = max(bisect.bisect_left(self.ends, end), first)
        return first, min(last, len(self.starts) - 1)


def span_dicts(spans: list[Span]) -> list[dict[str, Any]]:
    return [{"id": s.id, "start": s.start, "end": s.end, "label": s.label, "text": s.text} for s in sorted(spans, key=_order)]


def relation_dicts(relations: list[Relation]) -> list[dict[str, Any]]:
    return [{"head_span": r.head, "child_span": r.child, "label": r.label} for r in sorted(relations, key=lambda r: (r.head, r.child, r.label))]


def _order(s: Span) -> tuple:
    return (s.start, s.end, s.label, s.id)


def task_hash(input_hash: str, spans: list[Span], relations: list[Relation]) -> str:
    """Hash of the text and its annotation, independent of ids and of order."""
    by_id = {s.id: s.key() for s in spans}
    payload = {
        "input": input_hash,
        "spans": sorted(list(s.key()) for s in spans),
        "relations": sorted([*by_id[r.head], *by_id[r.child], r.label] for r in relations),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def build_record(
    doc_id: str,
    text: str,
    tokens: Tokens,
    spans: list[Span],
    relations: list[Relation],
    *,
    meta: dict[str, Any],
    suggestion: dict[str, Any] | None = None,
    annotations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The record for validated spans and relations (see the module docstring)."""
    align = Alignment(tokens)
    out_spans, misaligned, token_end = [], [], {}
    for s in sorted(spans, key=_order):
        first, last = align.token_range(s.start, s.end)
        if not align.aligned(s.start, s.end):
            misaligned.append(s.id)
        token_end[s.id] = last
        out_spans.append({"id": s.id, "start": s.start, "end": s.end, "label": s.label, "text": s.text, "token_start": first, "token_end": last})
    rels = [{**r, "head": token_end[r["head_span"]], "child": token_end[r["child_span"]]} for r in relation_dicts(relations)]
    input_hash = content_hash(text)
    return {
        "id": doc_id,
        "text": text,
        "spans": out_spans,
        "relations": rels,
        "tokens": tokens,
        "misaligned": misaligned,
        "meta": meta,
        "input_hash": input_hash,
        "task_hash": task_hash(input_hash, spans, relations),
        "suggestion": suggestion,
        "annotations": annotations or [],
    }


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: keys sorted, UTF-8 kept as is, compact separators."""
    tokens = record.get("tokens")
    if isinstance(tokens, Tokens):
        encoded = tokens.json
    elif tokens is not None and max(record) == "tokens":
        # A record read back from a JSON line: its token dicts' keys are already in order.
        encoded = json.dumps(tokens, ensure_ascii=False, separators=(",", ":"))
    else:
        return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # `tokens` sorts last and is most of the bytes: encode the rest and append it.
    rest = json.dumps({k: v for k, v in record.items() if k != "tokens"}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f'{rest[:-1]},"tokens":{encoded}}}'
