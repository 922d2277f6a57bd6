"""What a quality report holds: suggestion quality per model_version, agreement, progress, the trend.

The result types of `labeling report` and their quality.json shape (report.py computes them). A figure
whose denominator is zero is None here and `null` in quality.json (`defined`), never a vacuous 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import Relation, Span
from .agreement import TeamAgreement
from .metrics import EDIT_KINDS, MODES, PRF, Scores, classify_edits, score

FORMAT = 1  # of quality.json


def defined(p: PRF) -> dict[str, float | None]:
    """Precision, recall and F1, each None when its denominator is zero: nothing to score is no score, not 1.0."""
    return {
        "precision": p.precision if p.tp + p.fp else None,
        "recall": p.recall if p.tp + p.fn else None,
        "f1": p.f1 if p.tp + p.fp + p.fn else None,
    }


def scores_dict(s: Scores) -> dict[str, Any]:
    """Scores.to_dict's shape (per mode: labels, micro, relations), with undefined figures as None."""

    def cell(p: PRF) -> dict[str, Any]:
        return {"tp": p.tp, "fp": p.fp, "fn": p.fn, **defined(p)}

    return {
        mode: {
            "labels": {k: cell(v) for k, v in sorted(s.per_label(mode).items())},
            "micro": cell(s.micro(mode)),
            "relations": cell(s.relations(mode)),
        }
        for mode in MODES
    }


@dataclass
class SuggestionQuality:
    """Suggestions vs final annotations over a set of documents."""

    documents: int = 0
    scores: Scores = field(default_factory=Scores)
    edits: dict[str, dict[str, int]] = field(default_factory=dict)  # label -> kind -> count

    def add(self, suggested: tuple[list[Span], list[Relation]], final: tuple[list[Span], list[Relation]]) -> None:
        self.documents += 1
        self.scores = self.scores + score(*final, *suggested)
        for label, row in classify_edits(suggested[0], final[0]).counts_by_label().items():
            mine = self.edits.setdefault(label, dict.fromkeys(EDIT_KINDS, 0))
            for kind, n in row.items():
                mine[kind] += n
        self.edits = dict(sorted(self.edits.items()))

    def edit_totals(self) -> dict[str, int]:
        return {kind: sum(row[kind] for row in self.edits.values()) for kind in EDIT_KINDS}

    @property
    def final_spans(self) -> int:
        t = self.edit_totals()
        return t["kept"] + t["relabelled"] + t["boundary"] + t["added"]

    @property
    def suggested_spans(self) -> int:
        t = self.edit_totals()
        return t["kept"] + t["relabelled"] + t["boundary"] + t["deleted"]

    @property
    def unchanged_share(self) -> float | None:
        return self.edit_totals()["kept"] / self.final_spans if self.final_spans else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "suggested_spans": self.suggested_spans,
            "final_spans": self.final_spans,
            "unchanged_share": self.unchanged_share,
            "scores": scores_dict(self.scores),
            "edits": {"total": self.edit_totals(), "labels": self.edits},
        }


@dataclass
class Agreement:
    """Pairwise agreement summed over tasks with two or more annotations."""

    tasks: int = 0
    pairs: int = 0
    scores: Scores = field(default_factory=Scores)
    by_pair: dict[tuple[str, str], Scores] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tasks": self.tasks, "pairs": self.pairs, **_f1s(self.scores)}
        out["by_pair"] = {f"{a} | {b}": _f1s(s, labels=False) for (a, b), s in sorted(self.by_pair.items())}
        return out


def _f1s(s: Scores, labels: bool = True) -> dict[str, Any]:
    def cell(p: PRF) -> dict[str, Any]:
        return {"f1": defined(p)["f1"], "matched": p.tp, "unmatched": p.fp + p.fn}

    out: dict[str, Any] = {}
    for mode in MODES:
        out[mode] = {"micro": cell(s.micro(mode)), "relations": cell(s.relations(mode))}
        if labels:
            out[mode]["labels"] = {k: cell(v) for k, v in sorted(s.per_label(mode).items())}
    return out


@dataclass
class Quality:
    """Everything `labeling report` shows for one dataset version."""

    dataset: str | None  # None for a project pulled on the fly
    version: str | None
    created_at: str | None
    project: dict[str, Any] | None
    documents: dict[str, int]  # total, with_suggestion, without_suggestion, unknown_model_version
    suggestions: SuggestionQuality
    by_model_version: dict[str, SuggestionQuality]
    agreement: Agreement
    progress: dict[str, Any]
    trend: list[dict[str, Any]] = field(default_factory=list)
    team: TeamAgreement = field(default_factory=TeamAgreement)  # alpha, F1 per pair and vs adjudicated gold (agreement.py)

    def summary(self) -> dict[str, Any]:
        """One point of the trend across versions."""
        s = self.suggestions.scores
        return {
            "version": self.version,
            "created_at": self.created_at,
            "model_versions": sorted(self.by_model_version),
            "documents": self.suggestions.documents,
            "f1_exact": defined(s.micro("exact"))["f1"],
            "f1_overlap": defined(s.micro("overlap"))["f1"],
            "relation_f1_exact": defined(s.relation_exact)["f1"],
            "relation_f1_overlap": defined(s.relation_overlap)["f1"],
            "unchanged_share": self.suggestions.unchanged_share,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "dataset": self.dataset,
            "version": self.version,
            "created_at": self.created_at,
            "project": self.project,
            "documents": self.documents,
            "suggestions": {"all": self.suggestions.to_dict(), "model_versions": {k: v.to_dict() for k, v in sorted(self.by_model_version.items())}},
            "agreement": self.agreement.to_dict(),
            "team": self.team.to_dict(),
            "progress": self.progress,
            "summary": self.summary(),
            "trend": self.trend,
        }
