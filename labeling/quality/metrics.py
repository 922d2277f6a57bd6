"""Span and relation scores: the one metric module (evaluate, report and tests use it).

Pure functions over `Span` / `Relation` lists; no I/O. Scores are counts
(`PRF`: tp, fp, fn) so documents are accumulated by adding counts and only then
dividing (micro averaging): `sum((score(...) for doc in docs), Scores())`.

Matching rules
- exact: same start, end and label. Duplicates count once per copy.
- overlap: same label and character ranges that intersect (at least one shared
  character). One-to-one: pairs are taken greedily by largest shared length
  (ties: earlier gold, then earlier prediction), so each gold span and each
  predicted span is matched at most once.
- relation: a predicted relation is correct when its label equals a gold
  relation's label and both of its end regions are matched to that gold
  relation's end regions under the same rule (exact or overlap). Ends are
  region ids; a region may carry several labels (SOURCE + ACTOR) and matches
  when any of its labelled spans matched. One-to-one as well.
- empty: when there is nothing to find and nothing was found (tp = fp = fn = 0)
  precision = recall = F1 = 1.0; any other zero denominator gives 0.0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

from ..records import Relation, Span

Mode = Literal["exact", "overlap"]
MODES: tuple[Mode, ...] = ("exact", "overlap")
SpanLike = Span | tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class PRF:
    """Counts for one label (or one total); ratios are derived, so sums stay exact."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp, self)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn, self)

    @property
    def f1(self) -> float:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn, self)

    @property
    def support(self) -> int:
        """Number of gold items."""
        return self.tp + self.fn

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall, "f1": self.f1}


def _ratio(num: int, den: int, prf: PRF) -> float:
    if den:
        return num / den
    # Nothing gold and nothing predicted is a perfect (vacuous) score; any
    # other empty denominator means something was missed or invented.
    return 1.0 if prf.tp == prf.fp == prf.fn == 0 else 0.0


@dataclass(slots=True)
class Scores:
    """Span scores per label for both match rules, plus relation scores."""

    span_exact: dict[str, PRF] = field(default_factory=dict)
    span_overlap: dict[str, PRF] = field(default_factory=dict)
    relation_exact: PRF = PRF()
    relation_overlap: PRF = PRF()

    def per_label(self, mode: Mode) -> dict[str, PRF]:
        return self.span_exact if mode == "exact" else self.span_overlap

    def micro(self, mode: Mode) -> PRF:
        return sum(self.per_label(mode).values(), PRF())

    def relations(self, mode: Mode) -> PRF:
        return self.relation_exact if mode == "exact" else self.relation_overlap

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            _add_by_label(self.span_exact, other.span_exact),
            _add_by_label(self.span_overlap, other.span_overlap),
            self.relation_exact + other.relation_exact,
            self.relation_overlap + other.relation_overlap,
        )

    def to_dict(self) -> dict:
        return {
            mode: {
                "labels": {k: v.to_dict() for k, v in sorted(self.per_label(mode).items())},
                "micro": self.micro(mode).to_dict(),
                "relations": self.relations(mode).to_dict(),
            }
            for mode in MODES
        }


def _add_by_label(a: Mapping[str, PRF], b: Mapping[str, PRF]) -> dict[str, PRF]:
    return {k: a.get(k, PRF()) + b.get(k, PRF()) for k in sorted(set(a) | set(b))}


def as_spans(spans: Iterable[SpanLike]) -> list[Span]:
    """Accept `Span`s or `(start, end, label)` tuples (tests, notebooks)."""
    return [s if isinstance(s, Span) else Span(s[0], s[1], s[2], "") for s in spans]


def shared_length(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match_spans(gold: Sequence[Span], pred: Sequence[Span], mode: Mode) -> list[tuple[int, int]]:
    """One-to-one (gold index, pred index) pairs under `mode`; see the module docstring."""
    if mode == "exact":
        free: dict[tuple[int, int, str], list[int]] = {}
        for i, g in enumerate(gold):
            free.setdefault(g.key(), []).append(i)
        pairs = []
        for j, p in enumerate(pred):
            if free.get(p.key()):
                pairs.append((free[p.key()].pop(0), j))
        return pairs
    candidates = [(-shared_length(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred) if g.label == p.label and shared_length(g, p) > 0]
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def span_scores(gold: Iterable[SpanLike], pred: Iterable[SpanLike], mode: Mode, labels: Iterable[str] = ()) -> dict[str, PRF]:
    """PRF per label; `labels` adds rows that may be absent from both sides."""
    gold, pred = as_spans(gold), as_spans(pred)
    tp: Counter[str] = Counter(gold[i].label for i, _ in match_spans(gold, pred, mode))
    n_gold = Counter(s.label for s in gold)
    n_pred = Counter(s.label for s in pred)
    names = sorted(set(labels) | set(n_gold) | set(n_pred))
    return {k: PRF(tp[k], n_pred[k] - tp[k], n_gold[k] - tp[k]) for k in names}


def relation_scores(
    gold_spans: Iterable[SpanLike], gold_relations: Iterable[Relation], pred_spans: Iterable[SpanLike], pred_relations: Iterable[Relation], mode: Mode
) -> PRF:
    """Relations whose label and both end regions match (see the module docstring)."""
    gold_spans, pred_spans = as_spans(gold_spans), as_spans(pred_spans)
    gold_relations, pred_relations = list(gold_relations), list(pred_relations)
    # Which (gold region id, pred region id) pairs are "the same region".
    same = {(gold_spans[i].id, pred_spans[j].id) for i, j in match_spans(gold_spans, pred_spans, mode)}
    free = list(range(len(gold_relations)))
    tp = 0
    for p in pred_relations:
        for k in free:
            g = gold_relations[k]
            if g.label == p.label and (g.head, p.head) in same and (g.child, p.child) in same:
                free.remove(k)
                tp += 1
                break
    return PRF(tp, len(pred_relations) - tp, len(gold_relations) - tp)


def score(
    gold_spans: Iterable[SpanLike],
    gold_relations: Iterable[Relation],
    pred_spans: Iterable[SpanLike],
    pred_relations: Iterable[Relation],
    *,
    labels: Iterable[str] = (),
) -> Scores:
    """All scores for one document. Add the results of many documents for micro totals."""
    gold_spans, pred_spans = as_spans(gold_spans), as_spans(pred_spans)
    gold_relations, pred_relations = list(gold_relations), list(pred_relations)
    labels = tuple(labels)
    return Scores(
        span_exact=span_scores(gold_spans, pred_spans, "exact", labels),
        span_overlap=span_scores(gold_spans, pred_spans, "overlap", labels),
        relation_exact=relation_scores(gold_spans, gold_relations, pred_spans, pred_relations, "exact"),
        relation_overlap=relation_scores(gold_spans, gold_relations, pred_spans, pred_relations, "overlap"),
    )


# --- suggestions vs final annotation (for the quality report) ---------------------------

EDIT_KINDS = ("kept", "relabelled", "boundary", "deleted", "added")


@dataclass(slots=True)
class Edits:
    """How annotators changed the suggestions. Pairs are (suggested, final)."""

    kept: list[tuple[Span, Span]] = field(default_factory=list)
    relabelled: list[tuple[Span, Span]] = field(default_factory=list)
    boundary: list[tuple[Span, Span]] = field(default_factory=list)
    deleted: list[Span] = field(default_factory=list)
    added: list[Span] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in EDIT_KINDS}

    def counts_by_label(self) -> dict[str, dict[str, int]]:
        """Counts per label: the suggested label, except for `added` (the final label)."""
        out: dict[str, dict[str, int]] = {}
        for kind in EDIT_KINDS:
            for item in getattr(self, kind):
                label = item.label if isinstance(item, Span) else item[0].label
                row = out.setdefault(label, dict.fromkeys(EDIT_KINDS, 0))
                row[kind] += 1
        return dict(sorted(out.items()))


def classify_edits(suggested: Iterable[SpanLike], final: Iterable[SpanLike]) -> Edits:
    """Classify each span, in this order so each is counted once:
    kept (same start/end/label), relabelled (same start/end, other label),
    boundary (same label, overlapping, other offsets; greedy by largest overlap),
    then the rest: deleted (suggested only) and added (final only).
    """
    sug, fin = as_spans(suggested), as_spans(final)
    left_s, left_f = set(range(len(sug))), set(range(len(fin)))
    edits = Edits()

    def take(pairs: Iterable[tuple[int, int]], bucket: list) -> None:
        for i, j in pairs:
            if i in left_s and j in left_f:
                left_s.discard(i)
                left_f.discard(j)
                bucket.append((sug[i], fin[j]))

    take(((i, j) for i in sorted(left_s) for j in sorted(left_f) if sug[i].key() == fin[j].key()), edits.kept)
    take(((i, j) for i in sorted(left_s) for j in sorted(left_f) if (sug[i].start, sug[i].end) == (fin[j].start, fin[j].end)), edits.relabelled)
    rest_s, rest_f = sorted(left_s), sorted(left_f)
    pairs = match_spans([sug[i] for i in rest_s], [fin[j] for j in rest_f], "overlap")
    take(((rest_s[a], rest_f[b]) for a, b in pairs), edits.boundary)
    edits.deleted = [sug[i] for i in sorted(left_s)]
    edits.added = [fin[j] for j in sorted(left_f)]
    return edits


# --- agreement between annotators -------------------------------------------------------

Annotation = tuple[Sequence[SpanLike], Sequence[Relation]]


def agreement(by_annotator: Mapping[str, Annotation], *, labels: Iterable[str] = ()) -> dict[tuple[str, str], Scores]:
    """Pairwise scores for one document, one entry per unordered pair (a, b) with a < b.

    `a` plays gold and `b` prediction; F1 is symmetric, so read F1 only
    (precision and recall swap if the pair is reversed). Add over documents.
    """
    labels = tuple(labels)
    return {(a, b): score(*by_annotator[a], *by_annotator[b], labels=labels) for a, b in combinations(sorted(by_annotator), 2)}
