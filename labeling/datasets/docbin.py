"""A dataset version as spaCy DocBin files, one per split, for `spacy train`.

Docs are rebuilt from the record's own tokens (words + spaces), so token
boundaries are exactly the dataset's. Per doc:

- doc.spans["sc"]: every span (overlaps allowed), for spancat.
- doc.ents: ACTOR and WEAPON spans that do not overlap, for NER. Rule: longest
  span first, then the earliest start, then the label's order in the scheme; a
  span overlapping one already taken is left out of ents (it stays in "sc").
- Spans flagged `misaligned` (not on token boundaries) cannot be expressed in
  tokens: they are left out of both and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .splits import SPLITS
from .store import iter_records, read_manifest

ENT_LABELS = ("ACTOR", "WEAPON")
SPANS_KEY = "sc"


@dataclass
class SpacyExport:
    files: dict[str, Path] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    spans: int = 0
    ents: int = 0
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


def export_spacy(version_dir: Path, out_dir: Path, *, lang: str = "en") -> SpacyExport:
    """Write OUT_DIR/{train,dev,test}.spacy from a version directory."""
    import spacy
    from spacy.tokens import Doc, DocBin, Span

    read_manifest(version_dir)  # a clear error for a damaged version
    vocab = spacy.blank(lang).vocab
    out_dir.mkdir(parents=True, exist_ok=True)
    result = SpacyExport()
    for split in SPLITS:
        db = DocBin(store_user_data=False)
        n = 0
        for rec in iter_records(version_dir, split):
            doc = Doc(vocab, words=[t["text"] for t in rec["tokens"]], spaces=[t["ws"] for t in rec["tokens"]])
            bad = set(rec.get("misaligned") or [])
            sc, candidates = [], []
            for s in rec["spans"]:
                if s["id"] in bad:
                    result.skipped_misaligned += 1
                    continue
                span = doc.char_span(s["start"], s["end"], label=s["label"])
                if span is None:  # not on token boundaries though not flagged: treat alike
                    result.skipped_misaligned += 1
                    continue
                sc.append(span)
                if s["label"] in ENT_LABELS:
                    candidates.append((span.start, span.end, s["label"]))
            doc.spans[SPANS_KEY] = sc
            ents = pick_ents(candidates)
            doc.set_ents([Span(doc, s, e, label=label) for s, e, label in ents], default="outside")
            result.spans += len(sc)
            result.ents += len(ents)
            result.left_out_of_ents += len(candidates) - len(ents)
            db.add(doc)
            n += 1
        path = out_dir / f"{split}.spacy"
        db.to_disk(path)
        result.files[split], result.docs[split] = path, n
    return result
