"""Agreement between annotators of the same documents, and each annotator against adjudicated gold.

Three figures, all summed over the documents that hold two or more annotations:

- alpha: Krippendorff's alpha, nominal, per label, with characters as the units
  (a character-level reading of the unitizing alpha INCEpTION reports). For
  label L, each annotator gives each character of the document the value 1 when
  one of their L spans covers it, else 0. With n_u0 / n_u1 the number of
  annotators giving unit u the value 0 / 1 and m_u = n_u0 + n_u1 >= 2:

      o01 = sum_u n_u0 * n_u1 / (m_u - 1)       (disagreeing pairs, weighted)
      n0 = sum_u n_u0, n1 = sum_u n_u1, n = n0 + n1
      alpha = 1 - (n - 1) * o01 / (n0 * n1)

  1 is perfect agreement, 0 what chance gives, below 0 systematic disagreement.
  Undefined (None) when nobody used the label or everybody covered everything
  (n0 * n1 = 0). It credits a boundary disagreement by the characters shared,
  works for any number of annotators, and is computed over runs of characters
  (boundaries only), not character by character.
  Relations have no finite set of units to chance-correct over (any claim could
  point at any source), so relations get pairwise F1 only.
- pairs: pairwise F1 (exact and overlap, metrics.score) per annotator pair.
- vs_gold: each annotator's annotation scored against the adjudicated one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Any

from ..records import Relation, Span
from .metrics import MODES, Scores, score

Version = tuple[Sequence[Span], Sequence[Relation]]


@dataclass
class _Alpha:
    """Running sums of one label's alpha."""

    o01: float = 0.0
    n0: int = 0
    n1: int = 0

    def value(self) -> float | None:
        n = self.n0 + self.n1
        if self.n0 * self.n1 == 0:
            return None
        return 1 - (n - 1) * self.o01 / (self.n0 * self.n1)


def _runs(length: int, versions: Sequence[Sequence[Span]], label: str) -> Iterable[tuple[int, int]]:
    """(run length, annotators covering it) over stretches of text where coverage does not change."""
    cuts = {0, length}
    for spans in versions:
        for s in spans:
            if s.label == label:
                cuts.update((max(0, min(s.start, length)), max(0, min(s.end, length))))
    edges = sorted(cuts)
    for a, b in pairwise(edges):
        covered = sum(1 for spans in versions if any(s.label == label and s.start <= a and b <= s.end for s in spans))
        yield b - a, covered


def alpha_counts(length: int, versions: Sequence[Sequence[Span]], label: str) -> _Alpha:
    """One document's contribution to label's alpha (see the module docstring)."""
    m = len(versions)
    acc = _Alpha()
    if m < 2:
        return acc
    for run, n1 in _runs(length, versions, label):
        n0 = m - n1
        acc.o01 += run * n0 * n1 / (m - 1)
        acc.n0 += run * n0
        acc.n1 += run * n1
    return acc


@dataclass
class TeamAgreement:
    """Alpha per label, F1 per annotator pair and per annotator vs gold, summed over documents."""

    labels: tuple[str, ...] = ()
    documents: int = 0
    alpha: dict[str, _Alpha] = field(default_factory=dict)
    pairs: dict[tuple[str, str], Scores] = field(default_factory=dict)
    vs_gold: dict[str, Scores] = field(default_factory=dict)
    gold_documents: int = 0

    def add(self, length: int, by_annotator: Mapping[str, Version], gold: Version | None = None) -> None:
        """One document: its text length and each annotator's (spans, relations); `gold` when adjudicated."""
        names = sorted(by_annotator)
        if len(names) >= 2:
            self.documents += 1
            spans = [list(by_annotator[n][0]) for n in names]
            for label in sorted(set(self.labels) | {s.label for v in spans for s in v}):
                got = alpha_counts(length, spans, label)
                acc = self.alpha.setdefault(label, _Alpha())
                acc.o01, acc.n0, acc.n1 = acc.o01 + got.o01, acc.n0 + got.n0, acc.n1 + got.n1
            for a, b in combinations(names, 2):
                s = score(*by_annotator[a], *by_annotator[b], labels=self.labels)
                self.pairs[(a, b)] = self.pairs[(a, b)] + s if (a, b) in self.pairs else s
        if gold is not None:
            self.gold_documents += 1
            for n in names:
                s = score(*gold, *by_annotator[n], labels=self.labels)
                self.vs_gold[n] = self.vs_gold[n] + s if n in self.vs_gold else s

    def alphas(self) -> dict[str, float | None]:
        return {label: acc.value() for label, acc in sorted(self.alpha.items())}

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "alpha": self.alphas(),
            "pairs": [{"annotators": list(pair), **_f1s(s)} for pair, s in sorted(self.pairs.items())],
            "gold_documents": self.gold_documents,
            "vs_gold": {name: _f1s(s) for name, s in sorted(self.vs_gold.items())},
        }


def _f1s(s: Scores) -> dict[str, Any]:
    return {
        mode: {
            "labels": {k: round(v.f1, 4) for k, v in sorted(s.per_label(mode).items())},
            "spans": round(s.micro(mode).f1, 4),
            "relations": round(s.relations(mode).f1, 4),
        }
        for mode in MODES
    }
