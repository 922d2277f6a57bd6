"""A dataset version as spaCy DocBin files, one per split, for `spacy train`.

Docs are rebuilt from the record's own tokens (words + spaces), so token
boundaries are exactly the dataset's. Per doc:

- doc.spans["sc"]: every span (overlaps allowed), for spancat.
- doc.ents: ACTOR and WEAPON spans that do not overlap, for NER. Rule: longest
  span first, then the earliest start, then the label's order in the scheme; a
  span overlapping one already taken is left out of ents (it stays in "sc").
- doc._.rel: the `attributed_to` relations in the format of spaCy's relation
  extraction tutorial (explosion/projects tutorials/rel_component), keyed by
  token starts: {(claim start, source start): {"attributed_to": 1.0 | 0.0}}
  for every CLAIM -> SOURCE pair of the doc (1.0 where annotated). The files
  are written with store_user_data=True; register the extension before
  reading them (`Doc.set_extension("rel", default={})`).
- Spans flagged `misaligned` (not on token boundaries) cannot be expressed in
  tokens: they are left out of all three and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .splits import SPLITS
from .store import iter_records, read_manifest

ENT_LABELS = ("ACTOR", "WEAPON")
SPANS_KEY = "sc"
REL_EXTENSION = "rel"
RELATION = "attributed_to"


@dataclass
class SpacyExport:
    files: dict[str, Path] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    spans: int = 0
    ents: int = 0
    relations: int = 0
    skipped_misaligned: int = 0
    left_out_of_ents: int = 0


def pick_ents(spans: list[tuple[int, int, str]], order: tuple[str, ...] = ENT_LABELS) -> list[tuple[int, int, str]]:
    """Non-overlapping (token start, token end exclusive, label) spans: longest, then earliest, first."""
    taken: list[tuple[int, int, str]] = []
    used: set[int] = set()
    for s, e, label in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0], order.index(x[2]))):
        if used.isdisjoint(range(s, e)):
            taken.append((s, e, label))
            used.update(range(s, e))
    return sorted(taken)


def record_doc(vocab, rec: dict[str, Any], stats: SpacyExport | None = None, *, spans_keys: dict[str, tuple[str, ...] | None] | None = None):
    """One dataset record as a spaCy Doc with spans, ents and relations (see the module docstring).

    `spans_keys` maps doc.spans keys to the labels they hold (None: every
    label); the default is {"sc": None}.
    """
    # here, not at the top: spaCy takes seconds to import, and callers that never load a pipeline need none of it
    from spacy.tokens import Doc, Span

    if not Doc.has_extension(REL_EXTENSION):
        Doc.set_extension(REL_EXTENSION, default={})
    stats = stats if stats is not None else SpacyExport()
    doc = Doc(vocab, words=[t["text"] for t in rec["tokens"]], spaces=[t["ws"] for t in rec["tokens"]])
    bad = set(rec.get("misaligned") or [])
    by_id: dict[str, Any] = {}
    candidates = []
    for s in rec["spans"]:
        span = None if s["id"] in bad else doc.char_span(s["start"], s["end"], label=s["label"])
        if span is None:  # flagged, or not on token boundaries though not flagged: treat alike
            stats.skipped_misaligned += 1
            continue
        by_id[s["id"]] = span
        if s["label"] in ENT_LABELS:
            candidates.append((span.start, span.end, s["label"]))
    spans = list(by_id.values())
    for key, labels in (spans_keys or {SPANS_KEY: None}).items():
        doc.spans[key] = [s for s in spans if labels is None or s.label_ in labels]
    ents = pick_ents(candidates)
    doc.set_ents([Span(doc, s, e, label=label) for s, e, label in ents], default="outside")
    linked = {(by_id[r["head_span"]].start, by_id[r["child_span"]].start) for r in rec["relations"] if r["head_span"] in by_id and r["child_span"] in by_id}
    claims = [s.start for s in spans if s.label_ == "CLAIM"]
    sources = [s.start for s in spans if s.label_ == "SOURCE"]
    doc._.set(REL_EXTENSION, {(c, s): {RELATION: 1.0 if (c, s) in linked else 0.0} for c in claims for s in sources})
    stats.spans += len(spans)
    stats.ents += len(ents)
    stats.relations += len(linked)
    stats.left_out_of_ents += len(candidates) - len(ents)
    return doc


def export_spacy(version_dir: Path, out_dir: Path, *, lang: str = "en") -> SpacyExport:
    """Write OUT_DIR/{train,dev,test}.spacy from a version directory."""
    # here, not at the top: spaCy takes seconds to import, and callers that never load a pipeline need none of it
    import spacy
    from spacy.tokens import DocBin

    read_manifest(version_dir)  # a clear error for a damaged version
    vocab = spacy.blank(lang).vocab
    out_dir.mkdir(parents=True, exist_ok=True)
    result = SpacyExport()
    for split in SPLITS:
        db = DocBin(store_user_data=True)
        n = 0
        for rec in iter_records(version_dir, split):
            db.add(record_doc(vocab, rec, result))
            n += 1
        path = out_dir / f"{split}.spacy"
        db.to_disk(path)
        result.files[split], result.docs[split] = path, n
    return result
