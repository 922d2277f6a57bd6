"""The pre-annotator on the sample and held-out evaluation corpora: quality floors, and tasks Label Studio takes unchanged."""

from __future__ import annotations

import json
import uuid

import pytest

from labeling.ingest import read_documents
from labeling.preannotate.run import build_pipeline, preannotate, write_tasks
from labeling.push.tasks import read_tasks
from labeling.quality.evaluate import evaluate
from labeling.scheme import default_scheme
from labeling.studio.projects import ensure_project

from .conftest import REPO
from .helpers import raw_sdk

SAMPLE = REPO / "data" / "sample"
EVAL = REPO / "data" / "eval"

# F1 floors (overlap, exact), set a little below what the pipeline reaches (docs/quality.md).
# The rules were developed on the sample corpus; the evaluation corpus was written and
# committed before any rule of issue #15 and is never used to tune one. A drop below a
# floor is a regression, not noise.
FLOORS = {
    "sample": {"ACTOR": (0.95, 0.94), "WEAPON": (0.97, 0.96), "CLAIM": (0.98, 0.96), "SOURCE": (0.97, 0.96), "relations": (0.97, 0.94)},
    "eval": {"ACTOR": (0.92, 0.89), "WEAPON": (0.97, 0.94), "CLAIM": (0.96, 0.91), "SOURCE": (0.95, 0.92), "relations": (0.96, 0.88)},
}
DOCUMENTS = {"sample": 26, "eval": 30}


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


@pytest.fixture(scope="module")
def tasks_file(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("sample") / "tasks.jsonl"
    write_tasks(preannotate(read_documents([SAMPLE / "articles"]), nlp=nlp), path)
    return path


@pytest.mark.parametrize("corpus", ["sample", "eval"])
def test_per_label_floors(corpus, tasks_file, nlp, tmp_path):
    root = SAMPLE if corpus == "sample" else EVAL
    if corpus == "sample":
        tasks = tasks_file
    else:
        tasks = tmp_path / "tasks.jsonl"
        write_tasks(preannotate(read_documents([root / "articles"]), nlp=nlp), tasks)
    result = evaluate(root / "gold.jsonl", tasks)
    assert result.documents == DOCUMENTS[corpus] and not result.only_gold and not result.only_pred
    for name, (overlap, exact) in FLOORS[corpus].items():
        for mode, floor in (("overlap", overlap), ("exact", exact)):
            f1 = result.scores.relations(mode).f1 if name == "relations" else result.scores.per_label(mode)[name].f1
            assert f1 >= floor, f"{corpus}: {name} {mode} F1 {f1:.3f} < {floor}"


def test_label_studio_takes_the_tasks_unchanged(tasks_file, studio):
    project = ensure_project(studio, default_scheme(), title=f"sample: tasks round trip {uuid.uuid4().hex[:8]}").project
    written = {t["data"]["doc_id"]: t for t in read_tasks(tasks_file)}
    studio.import_tasks(project.id, list(written.values()))
    held = list(raw_sdk(studio).tasks.list(project=project.id, fields="all"))
    assert len(held) == len(written) == 26
    for task in held:
        mine = written[task.data["doc_id"]]
        assert task.data == mine["data"]
        (pred,) = task.predictions
        pred = pred if isinstance(pred, dict) else pred.dict()
        assert pred["model_version"] == mine["predictions"][0]["model_version"]
        assert pred["score"] == pytest.approx(mine["predictions"][0]["score"])
        assert json.dumps(pred["result"], sort_keys=True) == json.dumps(mine["predictions"][0]["result"], sort_keys=True)
