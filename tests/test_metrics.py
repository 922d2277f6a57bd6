"""labeling.quality.metrics against hand-computed values on small constructed examples."""

from __future__ import annotations

import pytest

from labeling.quality.metrics import PRF, Scores, agreement, classify_edits, match_spans, relation_scores, score, span_scores
from labeling.records import Relation, Span


def S(start: int, end: int, label: str, id: str = "") -> Span:
    return Span(start, end, label, "", id)


def R(head: str, child: str, label: str = "attributed_to") -> Relation:
    return Relation(head, child, label)


GOLD = [S(0, 5, "ACTOR"), S(10, 20, "CLAIM"), S(30, 35, "WEAPON")]
PRED = [S(0, 5, "ACTOR"), S(12, 20, "CLAIM"), S(30, 35, "ACTOR")]


def test_prf_ratios():
    prf = PRF(tp=2, fp=1, fn=3)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 5)
    assert prf.f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 3))
    assert prf.support == 5


@pytest.mark.parametrize(
    "prf, expected",
    [
        (PRF(0, 0, 0), (1.0, 1.0, 1.0)),  # nothing to find, nothing found
        (PRF(0, 0, 3), (0.0, 0.0, 0.0)),  # nothing predicted, gold missed
        (PRF(0, 2, 0), (0.0, 0.0, 0.0)),  # nothing to find, something invented
    ],
)
def test_empty_cases(prf, expected):
    assert (prf.precision, prf.recall, prf.f1) == expected


def test_exact_match_per_label_and_micro():
    scores = span_scores(GOLD, PRED, "exact")
    assert scores["ACTOR"] == PRF(1, 1, 0)
    assert scores["CLAIM"] == PRF(0, 1, 1)
    assert scores["WEAPON"] == PRF(0, 0, 1)
    assert scores["ACTOR"].f1 == pytest.approx(2 / 3)
    total = score(GOLD, [], PRED, []).micro("exact")
    assert total == PRF(1, 2, 2)
    assert total.f1 == pytest.approx(1 / 3)


def test_overlap_match_forgives_boundaries_but_not_labels():
    scores = span_scores(GOLD, PRED, "overlap")
    assert scores["CLAIM"] == PRF(1, 0, 0)
    assert scores["WEAPON"] == PRF(0, 0, 1)  # same characters, other label: no match
    total = score(GOLD, [], PRED, []).micro("overlap")
    assert total == PRF(2, 1, 1)
    assert total.f1 == pytest.approx(2 / 3)


def test_overlap_is_one_to_one_and_greedy_by_largest_overlap():
    gold = [S(0, 10, "CLAIM")]
    pred = [S(0, 3, "CLAIM"), S(2, 10, "CLAIM")]
    assert match_spans(gold, pred, "overlap") == [(0, 1)]
    assert span_scores(gold, pred, "overlap")["CLAIM"] == PRF(1, 1, 0)
    # One prediction across two gold spans counts once; a tie goes to the earlier gold span.
    gold = [S(0, 5, "ACTOR"), S(6, 10, "ACTOR")]
    pred = [S(3, 8, "ACTOR")]
    assert match_spans(gold, pred, "overlap") == [(0, 0)]
    assert span_scores(gold, pred, "overlap")["ACTOR"] == PRF(1, 0, 1)


def test_touching_ranges_do_not_overlap():
    assert span_scores([S(0, 5, "ACTOR")], [S(5, 9, "ACTOR")], "overlap")["ACTOR"] == PRF(0, 1, 1)


def test_duplicate_predictions_count_once():
    assert span_scores([S(0, 5, "ACTOR")], [S(0, 5, "ACTOR"), S(0, 5, "ACTOR")], "exact")["ACTOR"] == PRF(1, 1, 0)


def test_tuples_are_accepted_and_labels_add_empty_rows():
    scores = span_scores([(0, 5, "ACTOR")], [(0, 5, "ACTOR")], "exact", labels=["ACTOR", "SOURCE"])
    assert scores == {"ACTOR": PRF(1, 0, 0), "SOURCE": PRF(0, 0, 0)}


# A claim and a region that is both SOURCE and ACTOR (one id, two labels).
GOLD_SPANS = [S(0, 10, "CLAIM", "c"), S(12, 14, "SOURCE", "s"), S(12, 14, "ACTOR", "s")]
GOLD_RELS = [R("c", "s")]


def test_relation_needs_both_ends_matched():
    pred = [S(0, 9, "CLAIM", "pc"), S(12, 14, "SOURCE", "ps")]
    rels = [R("pc", "ps")]
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, rels, "exact") == PRF(0, 1, 1)
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, rels, "overlap") == PRF(1, 0, 0)


def test_relation_label_and_direction_must_agree():
    pred = [S(0, 10, "CLAIM", "pc"), S(12, 14, "SOURCE", "ps")]
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, [R("pc", "ps", "other")], "exact") == PRF(0, 1, 1)
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, [R("ps", "pc")], "exact") == PRF(0, 1, 1)
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, [R("pc", "ps"), R("pc", "ps")], "exact") == PRF(1, 1, 0)


def test_relation_end_matches_through_any_label_of_the_region():
    # The predicted end region carries only ACTOR; it is still the gold region "s".
    pred = [S(0, 10, "CLAIM", "pc"), S(12, 14, "ACTOR", "pa")]
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, [R("pc", "pa")], "exact") == PRF(1, 0, 0)


def test_relation_to_unknown_region_is_false_positive():
    pred = [S(0, 10, "CLAIM", "pc")]
    assert relation_scores(GOLD_SPANS, GOLD_RELS, pred, [R("pc", "nowhere")], "overlap") == PRF(0, 1, 1)


def test_empty_document_is_perfect():
    scores = score([], [], [], [])
    assert scores.micro("exact").f1 == 1.0
    assert scores.relations("overlap").f1 == 1.0


def test_micro_accumulation_sums_counts_before_dividing():
    doc1 = score([S(0, 5, "ACTOR")], [], [S(0, 5, "ACTOR")], [])  # F1 1.0
    doc2 = score([S(0, 5, "ACTOR"), S(6, 8, "ACTOR"), S(9, 12, "ACTOR")], [], [S(20, 25, "ACTOR")], [])  # F1 0.0
    total = sum([doc1, doc2], Scores())
    assert total.span_exact["ACTOR"] == PRF(1, 1, 3)
    assert total.micro("exact").f1 == pytest.approx(2 / 6)  # 2tp / (2tp + fp + fn), not the 0.5 a per-document average gives
    assert total.relation_exact == PRF(0, 0, 0)


def test_scores_to_dict_shape():
    data = score(GOLD, [], PRED, []).to_dict()
    assert set(data) == {"exact", "overlap"}
    assert data["exact"]["labels"]["ACTOR"] == {"tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3)}
    assert data["overlap"]["micro"]["tp"] == 2
    assert data["exact"]["relations"]["f1"] == 1.0


def test_classify_edits():
    suggested = [S(0, 5, "ACTOR"), S(10, 15, "ACTOR"), S(20, 30, "CLAIM"), S(40, 45, "WEAPON"), S(60, 65, "ACTOR")]
    final = [S(0, 5, "ACTOR"), S(10, 15, "SOURCE"), S(20, 28, "CLAIM"), S(50, 55, "ACTOR"), S(60, 65, "ACTOR"), S(60, 65, "SOURCE")]
    edits = classify_edits(suggested, final)
    assert edits.counts() == {"kept": 2, "relabelled": 1, "boundary": 1, "deleted": 1, "added": 2}
    assert [(a.start, b.label) for a, b in edits.relabelled] == [(10, "SOURCE")]
    assert [(a.end, b.end) for a, b in edits.boundary] == [(30, 28)]
    assert [s.label for s in edits.deleted] == ["WEAPON"]
    # The SOURCE added on top of a kept ACTOR region is an addition, not a relabel.
    assert sorted((s.start, s.label) for s in edits.added) == [(50, "ACTOR"), (60, "SOURCE")]
    assert edits.counts_by_label()["ACTOR"] == {"kept": 2, "relabelled": 1, "boundary": 0, "deleted": 0, "added": 1}


def test_classify_edits_boundary_only_with_same_label():
    edits = classify_edits([S(0, 10, "CLAIM")], [S(0, 8, "SOURCE")])
    assert edits.counts() == {"kept": 0, "relabelled": 0, "boundary": 0, "deleted": 1, "added": 1}


def test_agreement_pairs_are_unordered_and_f1_symmetric():
    ann = ([S(0, 5, "ACTOR", "a1"), S(10, 20, "CLAIM", "a2"), S(22, 24, "SOURCE", "a3")], [R("a2", "a3")])
    bob = ([S(0, 5, "ACTOR", "b1"), S(10, 18, "CLAIM", "b2"), S(22, 24, "SOURCE", "b3")], [R("b2", "b3")])
    cy = ([S(0, 5, "ACTOR", "c1")], [])
    pairs = agreement({"cy": cy, "bob": bob, "ann": ann})
    assert set(pairs) == {("ann", "bob"), ("ann", "cy"), ("bob", "cy")}
    ab = pairs[("ann", "bob")]
    assert ab.micro("exact") == PRF(2, 1, 1)
    assert ab.micro("overlap") == PRF(3, 0, 0)
    assert ab.relation_exact == PRF(0, 1, 1)
    assert ab.relation_overlap == PRF(1, 0, 0)
    reversed_ = score(*bob, *ann)
    assert reversed_.micro("exact").f1 == ab.micro("exact").f1
    assert pairs[("ann", "cy")].micro("exact") == PRF(1, 0, 2)
