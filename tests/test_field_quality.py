"""Issue #24's floors on the held-out corpora: data/field (written before any rule change) and data/eval.

Neither corpus was used to tune a rule: each construction was developed on an
example of its own in data/sample. Floors sit a little below what the pipeline
reaches (docs/quality.md has the figures and the targets it misses); a drop
below one is a regression, not noise.
"""

from __future__ import annotations

import pytest

from labeling.ingest import read_documents
from labeling.preannotate.run import build_pipeline, preannotate, write_tasks
from labeling.quality.evaluate import evaluate

from .conftest import REPO

LABELS = ("ACTOR", "WEAPON", "CLAIM", "SOURCE", "relations")
# (overlap F1, exact F1, overlap precision)
FLOORS = {
    "field": {
        "ACTOR": (0.89, 0.85, 0.90),
        "WEAPON": (0.94, 0.78, 0.94),
        "CLAIM": (0.95, 0.85, 0.97),
        "SOURCE": (0.92, 0.89, 0.95),
        "relations": (0.90, 0.78, 0.94),
    },
    # eval WEAPON rose (0.931 / 0.870, precision 0.884 -> 0.986 / 0.957, precision 0.986) when 9 gold slips
    # were fixed against the guidelines (docs/quality.md, "Gold changes"); no rule changed.
    "eval": {
        "ACTOR": (0.92, 0.89, 0.95),
        "WEAPON": (0.97, 0.94, 0.97),
        "CLAIM": (0.96, 0.91, 0.97),
        "SOURCE": (0.95, 0.92, 0.96),
        "relations": (0.96, 0.88, 0.97),
    },
}
DOCUMENTS = {"field": 42, "eval": 30}


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


@pytest.mark.parametrize("corpus", ["field", "eval"])
def test_held_out_floors(corpus, nlp, tmp_path):
    root = REPO / "data" / corpus
    tasks = tmp_path / "tasks.jsonl"
    write_tasks(preannotate(read_documents([root / "articles"]), nlp=nlp), tasks)
    result = evaluate(root / "gold.jsonl", tasks)
    assert result.documents == DOCUMENTS[corpus] and not result.only_gold and not result.only_pred
    for name in LABELS:
        overlap_f1, exact_f1, precision = FLOORS[corpus][name]
        scores = {mode: result.scores.relations(mode) if name == "relations" else result.scores.per_label(mode)[name] for mode in ("overlap", "exact")}
        assert scores["overlap"].f1 >= overlap_f1, f"{corpus}: {name} overlap F1 {scores['overlap'].f1:.3f} < {overlap_f1}"
        assert scores["exact"].f1 >= exact_f1, f"{corpus}: {name} exact F1 {scores['exact'].f1:.3f} < {exact_f1}"
        assert scores["overlap"].precision >= precision, f"{corpus}: {name} overlap precision {scores['overlap'].precision:.3f} < {precision}"
