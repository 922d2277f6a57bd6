"""The project memory: what annotators taught, per span text and label, and how it changes suggestions.

    memory = Memory.from_rows(rows)            # rows: one per submitted annotation (see AnnotationRow)
    annotated = memory.apply(annotated)        # the rules' suggestions plus / minus what was taught
    memory.model_version("conflict-rules-...") # "conflict-rules-...+learned-0042-1a2b3c4d"

Evidence, per normalised text and label (ACTOR and WEAPON: the names; CLAIM
and SOURCE are clauses and phrases that do not repeat word for word):
- `labelled`: how many times annotators gave exactly that text that label;
- `seen`: how many times the text occurs (whole words, case-sensitive) in the
  annotated documents, once per annotation of the document; each key counted
  on its own (overlaps allowed: "Wagner" is seen inside "Wagner Group");
- `rejected`: how many times it was suggested with that label (in the
  prediction the annotation started from) and the annotator removed or
  relabelled it (a boundary correction, where a span of the same label
  overlapping it was kept, is not a removal).

Thresholds (LEARN_MIN_LABELLED, LEARN_MIN_SHARE, FORGET_MIN_REJECTED), and why:
- learn (suggest it wherever it occurs): labelled >= 1 and
  labelled / (seen + rejected) >= 0.5. One mark is enough because the issue
  is that annotators should not be asked twice; the share guards precision:
  a text annotators left unlabelled in half its occurrences is context-dependent
  ("Russia" the place vs "Russia" the actor) and is not suggested everywhere.
  A deliberate removal counts twice against it (an unlabelled occurrence and
  a rejection).
  And the model missed it in at least half the places it was labelled
  (`missed >= 0.5 * labelled`): a text the model already finds by context
  (a country that acts, "the government" as subject) would be suggested by
  the memory in every place, acting or not; the memory fills the model's
  blind spots, it does not override its judgement of context.
- forget (drop the rules' suggestion of it): rejected >= 1 and labelled <
  rejected: the annotators removed it more often than they kept it.
The training's names component (labeling/train) uses the same counts with a
stricter min_labelled of 2: it must hold on a test split it never saw.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..records import Annotated, Span, region_id

LABELS = ("ACTOR", "WEAPON")  # what the memory learns: names repeat word for word, clauses do not
LEARN_MIN_LABELLED = 1
LEARN_MIN_SHARE = 0.5
FORGET_MIN_REJECTED = 1
LEARN_MIN_MISSED_SHARE = 0.5
LEARNED_ID = "L"  # first character of the region id of a span the memory suggested (region ids are otherwise hex)
MAX_KEY_CHARS = 80


def normalise(text: str) -> str:
    """The memory's key for a span text: inner whitespace collapsed, outer whitespace and edge punctuation off; case kept."""
    return " ".join(text.split()).strip(" ,.;:\"'()[]")


def usable(key: str) -> bool:
    """Keys worth learning: a letter in them, not a single character, not a whole sentence."""
    return 1 < len(key) <= MAX_KEY_CHARS and any(c.isalpha() for c in key)


def _pattern(keys: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class AnnotationRow:
    """One submitted annotation, reduced to what the memory counts."""

    annotation_id: int
    task_id: int
    text: str
    given: tuple[tuple[int, int, str], ...]  # the annotator's (start, end, label) regions
    suggested: tuple[tuple[int, int, str], ...]  # the model's regions in the prediction it started from
    recalled: tuple[tuple[int, int, str], ...] = ()  # the memory's regions in that prediction (ids marked LEARNED_ID)


@dataclass(frozen=True)
class Evidence:
    labelled: int
    seen: int
    rejected: int
    found: int = 0  # of the labelled, how many the model itself had suggested

    @property
    def missed(self) -> int:
        """Labelled where the model did not suggest it (the annotator added it, or kept the memory's suggestion)."""
        return self.labelled - self.found

    @property
    def share(self) -> float:
        return self.labelled / max(1, self.seen + self.rejected)


@dataclass(frozen=True)
class Thresholds:
    min_labelled: int = LEARN_MIN_LABELLED
    min_share: float = LEARN_MIN_SHARE
    forget_min_rejected: int = FORGET_MIN_REJECTED
    min_missed_share: float = LEARN_MIN_MISSED_SHARE


@dataclass
class Memory:
    """A snapshot: evidence per (key, label), and the annotations it was counted from."""

    evidence: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    annotations: int = 0
    thresholds: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def from_rows(cls, rows: Iterable[AnnotationRow] | Any, *, thresholds: Thresholds | None = None) -> Memory:
        """Count `rows` (an iterable, or a callable giving a fresh iterable: two passes, nothing held)."""
        from .counts import Counts  # the one home of how an annotation counts (it imports this module's keys)

        again = rows if callable(rows) else (lambda: rows)
        counts = Counts()
        listed: list[AnnotationRow] | None = None if callable(rows) else []
        for row in again():
            if listed is not None:
                listed.append(row)
            counts.add_row(row.text, row.given, row.suggested, row.recalled)
        counts.track(counts.untracked(), ((row.text, 1) for row in (listed if listed is not None else again())))
        return cls.from_counts(counts, thresholds=thresholds)

    @classmethod
    def from_counts(cls, counts: Any, *, thresholds: Thresholds | None = None) -> Memory:
        """A snapshot of maintained counts (labeling.learn.counts.Counts): a new dict, never changed afterwards."""
        evidence = {kl: Evidence(labelled, seen, rejected, found) for kl, labelled, seen, rejected, found in counts.evidence_items()}
        return cls(evidence, counts.annotations, thresholds or Thresholds())

    @classmethod
    def from_records(cls, records: list[dict[str, Any]], *, thresholds: Thresholds | None = None) -> Memory:
        """Count a dataset version's records (labeling pull's JSONL): their spans are what annotators gave; no suggestion is known."""
        rows = [AnnotationRow(n, n, r["text"], tuple((s["start"], s["end"], s["label"]) for s in r["spans"]), ()) for n, r in enumerate(records)]
        return cls.from_rows(rows, thresholds=thresholds)

    # -- what the evidence decides ------------------------------------------------

    def learned(self) -> dict[tuple[str, str], Evidence]:
        t = self.thresholds
        return {
            k: e for k, e in self.evidence.items() if e.labelled >= t.min_labelled and e.share >= t.min_share and e.missed >= t.min_missed_share * e.labelled
        }

    def forgotten(self) -> dict[tuple[str, str], Evidence]:
        t = self.thresholds
        return {k: e for k, e in self.evidence.items() if e.rejected >= t.forget_min_rejected and e.labelled < e.rejected}

    @property
    def empty(self) -> bool:
        return self.annotations == 0

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for kind, entries in (("learn", self.learned()), ("forget", self.forgotten())):
            for (key, label), e in sorted(entries.items()):
                digest.update(f"{kind}\0{key}\0{label}\0{e.labelled}\0{e.seen}\0{e.rejected}\n".encode())
        return digest.hexdigest()[:8]

    def model_version(self, base: str) -> str:
        """The base model_version, plus the memory's state when it holds any annotation."""
        return base if self.empty else f"{base}+learned-{self.annotations:04d}-{self.fingerprint()}"

    def patterns(self) -> list[dict[str, Any]]:
        """The learned entries as span_ruler phrase patterns (what the training's names component loads)."""
        return [{"label": label, "pattern": key} for key, label in sorted(self.learned(), key=lambda kl: (kl[1], kl[0]))]

    def applier(self) -> Applier:
        return Applier(self)


class Applier:
    """Applies one memory snapshot to Annotated records (of any model: rules or trained): compiled once, cheap per document."""

    def __init__(self, memory: Memory):
        self.memory = memory
        self.suffix = memory.model_version("")  # "+learned-0042-1a2b3c4d", or "" for an empty memory
        learned = memory.learned()
        self._labels: dict[str, list[tuple[str, float]]] = {}
        for (key, label), e in learned.items():
            self._labels.setdefault(key, []).append((label, round(e.share, 2)))
        self._forgotten = set(memory.forgotten())
        self._pattern = _pattern(self._labels) if self._labels else None

    def __call__(self, annotated: Annotated) -> Annotated:
        if self.memory.empty:
            return annotated
        doc = annotated.doc
        text = doc.text
        spans = [s for s in annotated.spans if (normalise(s.text), s.label) not in self._forgotten]
        if self._pattern is not None:
            taught = [Span(m.start(), m.end(), label, m.group(0), LEARNED_ID + region_id(doc.hash, m.start(), m.end(), label)[1:], score)
                      for m in self._pattern.finditer(text) for label, score in self._labels[m.group(0)]]  # fmt: skip
            spans = _merge(spans, taught)
        ids = {s.id for s in spans}
        relations = [r for r in annotated.relations if r.head in ids and r.child in ids]
        score = min((s.score for s in spans if s.score is not None), default=annotated.score)
        return Annotated(doc, spans, relations, annotated.model_version + self.suffix, score)


def _merge(rules: list[Span], taught: list[Span]) -> list[Span]:
    """Taught spans join the rules' where they overlap nothing of the ACTOR/WEAPON labels, or replace a shorter
    overlapping span of their own label ("Russian" -> "Russian forces"); a longer rules span of the same label
    stays ("Hamas fighters" keeps its group noun). A rules span annotators cut or removed is forgotten before this."""
    kept_taught: list[Span] = []
    for t in sorted(taught, key=lambda s: (s.start - s.end, s.start)):
        if any(t.start < o.end and o.start < t.end for o in kept_taught):
            continue
        clashes = [r for r in rules if t.start < r.end and r.start < t.end and r.label in LABELS]
        if any(r.label != t.label or r.end - r.start >= t.end - t.start for r in clashes):
            continue
        kept_taught.append(t)
    out = [r for r in rules if not any(r.label == t.label and r.start < t.end and t.start < r.end for t in kept_taught)]
    return sorted(out + kept_taught, key=lambda s: (s.start, s.end, s.label))
