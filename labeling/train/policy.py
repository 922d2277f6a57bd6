"""Choosing and scoring for `labeling train`: per label, rules / learned / union by exact F1 on dev
(a paired bootstrap guards the rules), and the trained pipeline vs the rules on a split."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..preannotate.learned import CHOICES, ENT_LABELS, SPAN_LABELS, Choice, merge
from ..preannotate.model import LABELS
from ..preannotate.run import to_annotated
from ..quality.metrics import Scores, score
from ..records import Document, Relation, Span

MIN_DEV_SPANS_FOR_LEARNED = 50
MIN_WIN_SHARE = 0.9  # of the dev bootstrap resamples a learned choice must win to replace the rules
BOOTSTRAP_RESAMPLES = 1000


def _gold(rec: dict[str, Any]) -> tuple[list[Span], list[Relation]]:
    spans = [Span(s["start"], s["end"], s["label"], s["text"], s["id"]) for s in rec["spans"]]
    return spans, [Relation(r["head_span"], r["child_span"], r["label"]) for r in rec["relations"]]


def _unmerged(nlp, records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(record, spaCy Doc) with everything but the merge run: each policy is then one cheap merge()."""
    with nlp.select_pipes(disable=["conflict_merge"]):
        yield from ((rec, doc) for doc, rec in nlp.pipe(((r["text"], r) for r in records), as_tuples=True))


def _scores_per_doc(nlp, records: list[dict[str, Any]], policies: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    """Per policy, one Scores per record (in order): what the totals and the dev bootstrap are made of."""
    per_doc: dict[str, list[Any]] = {k: [] for k in policies}
    for rec, doc in _unmerged(nlp, records):
        document = Document.make(rec["id"], rec["text"])
        gold_spans, gold_rels = _gold(rec)
        for key, policy in policies.items():
            pred = to_annotated(document, merge(doc, policy), "")
            per_doc[key].append(score(gold_spans, gold_rels, pred.spans, pred.relations, labels=LABELS))
    return per_doc


def _totals(per_doc: dict[str, list[Any]]) -> dict[str, Any]:
    """Per policy, the Scores summed over the documents."""
    return {k: sum(docs, Scores()) for k, docs in per_doc.items()}


def _scores(nlp, records: list[dict[str, Any]], policies: dict[str, dict[str, str]]) -> dict[str, Any]:
    return _totals(_scores_per_doc(nlp, records, policies))


def win_share(rules: list[Any], other: list[Any], label: str, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> float:
    """Share of bootstrap resamples of the documents in which `other` has a higher exact F1 for `label` than `rules`.

    Both lists hold one Scores per document of the same records (a paired bootstrap).
    """

    def counts(per_doc: list[Any]) -> Any:
        return np.array([[d.span_exact[label].tp, d.span_exact[label].fp, d.span_exact[label].fn] for d in per_doc], dtype=np.int64)

    a, b = counts(rules), counts(other)
    picks = np.random.default_rng(seed).integers(0, len(rules), size=(resamples, len(rules)))

    def f1(c: Any) -> Any:
        tp, fp, fn = c[picks].sum(axis=1).T
        den = 2 * tp + fp + fn
        return np.where(den == 0, 1.0, 2 * tp / np.maximum(den, 1))

    return float((f1(b) > f1(a)).mean())


def choose_policy(nlp, dev: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """Per label, the choice with the best exact F1 on dev; the rules stay unless clearly beaten.

    A choice other than the rules is eligible only when it beats them in at
    least MIN_WIN_SHARE of BOOTSTRAP_RESAMPLES paired bootstrap resamples of the
    dev documents (seeded: the same dev split gives the same choice): a gain
    that rests on one document of a small dev split does not replace the rules.
    "learned" (dropping the rules for that label) also needs at least
    MIN_DEV_SPANS_FOR_LEARNED gold spans of the label in dev. Ties go to the
    earlier choice in CHOICES (rules first). The table holds dev exact F1 per
    choice and, under "win_share", each choice's bootstrap share per label.
    """
    per_doc = _scores_per_doc(nlp, dev, {c: dict.fromkeys(LABELS, c) for c in CHOICES})
    totals = _totals(per_doc)
    table: dict[str, dict[str, float]] = {c: {label: round(totals[c].span_exact[label].f1, 4) for label in LABELS} for c in CHOICES}
    shares = {c: {label: round(win_share(per_doc["rules"], per_doc[c], label), 4) for label in LABELS} for c in CHOICES if c != "rules"}

    def eligible(c: Choice, label: str) -> bool:
        if c == "rules":
            return True
        enough_spans = c != "learned" or totals["rules"].span_exact[label].support >= MIN_DEV_SPANS_FOR_LEARNED
        return shares[c][label] >= MIN_WIN_SHARE and enough_spans

    policy: dict[str, str] = {}
    for label in LABELS:
        policy[label] = max((c for c in CHOICES if eligible(c, label)), key=lambda c: (table[c][label], -CHOICES.index(c)))
    table["win_share"] = {f"{c}:{label}": v for c, row in shares.items() for label, v in row.items()}
    return policy, table


def unused_components(policy: dict[str, str]) -> list[str]:
    """The learned components whose output the merge would throw away under `policy`."""
    learned = {label for label, choice in policy.items() if choice in ("union", "learned")}
    off = []
    if not learned & set(ENT_LABELS):
        off += ["conflict_reset_ents", "conflict_ner"]
    if not learned & set(SPAN_LABELS):
        off += ["span_finder", "spancat"]
    if all(policy.get(label, "rules") == "rules" for label in ENT_LABELS):
        off.append("learned_ruler")
    return off


def compare_on(nlp, records: list[dict[str, Any]], policy: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Scores.to_dict() of the rules and of the trained pre-annotator on the same records."""
    totals = _scores(nlp, records, {"rules": dict.fromkeys(LABELS, "rules"), "trained": policy})
    return {k: v.to_dict() for k, v in totals.items()}


def f1_table(scores: dict[str, Any]) -> dict[str, dict[str, float]]:
    """{mode: {label or 'relations': F1}} from Scores.to_dict()."""
    return {
        mode: {**{label: prf["f1"] for label, prf in scores[mode]["labels"].items()}, "relations": scores[mode]["relations"]["f1"]}
        for mode in ("exact", "overlap")
    }
