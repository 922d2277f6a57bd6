"""labeling.quality.evaluate and `labeling evaluate` on small gold/prediction files in both formats."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labeling.errors import InputError
from labeling.quality.evaluate import evaluate, read_scored
from labeling.records import Relation, Span, to_results

TEXT = "Russia fired drones, Kyiv said."
#       0123456789012345678901234567890
LABELS = ("ACTOR", "WEAPON", "CLAIM", "SOURCE")


def gold_record(doc_id: str = "d1", text: str = TEXT) -> dict:
    return {
        "id": doc_id,
        "text": text,
        "spans": [
            {"id": "g1", "start": 0, "end": 6, "label": "ACTOR", "text": "Russia"},
            {"id": "g2", "start": 13, "end": 19, "label": "WEAPON", "text": "drones"},
            {"id": "g3", "start": 0, "end": 19, "label": "CLAIM", "text": "Russia fired drones"},
            {"id": "g4", "start": 21, "end": 25, "label": "SOURCE", "text": "Kyiv"},
            {"id": "g4", "start": 21, "end": 25, "label": "ACTOR", "text": "Kyiv"},
        ],
        "relations": [{"head": "g3", "child": "g4", "label": "attributed_to"}],
        "meta": {"source": "test"},
    }


# The prediction: ACTOR and WEAPON exact, CLAIM one character short, SOURCE
# exact, the ACTOR on "Kyiv" missing, the relation drawn.
PRED_SPANS = [
    Span(0, 6, "ACTOR", "Russia", "p1"),
    Span(13, 19, "WEAPON", "drones", "p2"),
    Span(0, 18, "CLAIM", "Russia fired drone", "p3"),
    Span(21, 25, "SOURCE", "Kyiv", "p4"),
]
PRED_RELS = [Relation("p3", "p4", "attributed_to")]


def task(doc_id: str, text: str = TEXT, predictions: list | None = None) -> dict:
    if predictions is None:
        predictions = [{"model_version": "v1", "score": 0.5, "result": []}, {"model_version": "v2", "score": 0.9, "result": to_results(PRED_SPANS, PRED_RELS)}]
    return {"data": {"text": text, "doc_id": doc_id, "content_hash": "", "meta": {}}, "predictions": predictions}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    gold = write_jsonl(tmp_path / "gold.jsonl", [gold_record()])
    pred = write_jsonl(tmp_path / "tasks.jsonl", [task("d1")])
    return gold, pred


def test_task_predictions_against_dataset_gold(files):
    result = evaluate(*files, labels=LABELS)
    s = result.scores
    assert result.documents == 1 and result.only_gold == [] and result.only_pred == []
    assert s.micro("exact").tp == 3 and s.micro("exact").fp == 1 and s.micro("exact").fn == 2
    assert s.micro("overlap").tp == 4 and s.micro("overlap").fn == 1
    assert s.span_exact["CLAIM"].f1 == 0.0 and s.span_overlap["CLAIM"].f1 == 1.0
    assert s.span_exact["ACTOR"].recall == 0.5
    assert s.relation_exact.f1 == 0.0 and s.relation_overlap.f1 == 1.0


def test_model_version_picks_the_prediction(files):
    gold, pred = files
    result = evaluate(gold, pred, model_version="v1", labels=LABELS)
    assert result.scores.micro("exact").tp == 0 and result.scores.micro("exact").fn == 5
    with pytest.raises(InputError, match=r"no prediction from model version 'v9'.*v1, v2"):
        evaluate(gold, pred, model_version="v9", labels=LABELS)


def test_dataset_against_itself_and_task_gold(tmp_path):
    record = write_jsonl(tmp_path / "a.jsonl", [gold_record()])
    assert evaluate(record, record, labels=LABELS).scores.micro("exact").f1 == 1.0
    # Gold as a Label Studio export: the human annotation wins over the prediction.
    spans = [Span(s["start"], s["end"], s["label"], s["text"], s["id"]) for s in gold_record()["spans"]]
    exported = task("d1")
    exported["annotations"] = [{"result": to_results(spans, [Relation("g3", "g4", "attributed_to")])}]
    gold = write_jsonl(tmp_path / "export.json", [exported])
    result = evaluate(gold, record, labels=LABELS)
    assert result.scores.micro("exact").f1 == 1.0 and result.scores.relation_exact.f1 == 1.0


def test_documents_pair_by_id_then_by_text(tmp_path):
    other = "Hezbollah fired rockets."
    two_lines = TEXT.replace(", ", ",\n")  # same offsets
    gold = write_jsonl(tmp_path / "gold.jsonl", [gold_record("d1", two_lines), gold_record("d2", other), gold_record("d3", "Only gold.")])
    gold_rows = [json.loads(line) for line in gold.read_text().splitlines()]
    for row in gold_rows[1:]:
        row["spans"], row["relations"] = [], []
    write_jsonl(gold, gold_rows)
    # d1 arrives with CRLF text (normalised before hashing) and a new id; d2 by id; x9 is unknown.
    pred = write_jsonl(tmp_path / "pred.jsonl", [task("renamed", TEXT.replace(", ", ",\r\n")), task("d2", other, []), task("x9", "Only predicted.", [])])
    pred_rows = [json.loads(line) for line in pred.read_text().splitlines()]
    for row in pred_rows[1:]:
        row["predictions"] = [{"model_version": "v2", "result": []}]
    write_jsonl(pred, pred_rows)
    result = evaluate(gold, pred, labels=LABELS)
    assert result.documents == 2
    assert result.only_gold == ["d3"] and result.only_pred == ["x9"]
    assert result.scores.micro("exact").tp == 3


def test_same_id_other_text_is_an_error(tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [gold_record("d1")])
    pred = write_jsonl(tmp_path / "pred.jsonl", [task("d1", "Some other text, long enough for the spans.")])
    with pytest.raises(InputError, match=r"pred.jsonl:1: document 'd1' has other text"):
        evaluate(gold, pred, labels=LABELS)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("{not json", "not valid JSON"),
        ('{"id": "d2"}', "malformed record"),
        ('{"id": "d2", "text": "abc", "spans": [{"start": 0, "end": 9, "label": "ACTOR"}]}', "outside the text"),
        ('{"data": {"text": "abc", "doc_id": "d2"}}', "neither predictions nor annotations"),
        ('{"id": "d1", "text": "abc"}', "duplicate document id"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(gold_record("d1")) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=reason) as info:
        read_scored(path)
    assert info.value.location == f"{path}:2"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_scored(tmp_path / "nope.jsonl")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labeling", "evaluate", *args], capture_output=True, text=True, env={**os.environ, "COLUMNS": "120", "PYTHONIOENCODING": "utf-8"}
    )


def numbers(row: str) -> list[str]:
    """The numeric cells of a printed table row (borders and labels dropped)."""
    return re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", row)


def test_cli_prints_table_and_writes_json(files, tmp_path):
    gold, pred = files
    out = tmp_path / "scores.json"
    proc = run_cli("--gold", str(gold), str(pred), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    micro = numbers(next(line for line in proc.stdout.splitlines() if "micro" in line))
    # exact P 3/4, R 3/5, F1 6/9; overlap P 4/4, R 4/5, F1 8/9; 5 gold spans
    assert micro == ["0.750", "0.600", "0.667", "1.000", "0.800", "0.889", "5"]
    relations = numbers(next(line for line in proc.stdout.splitlines() if "relations" in line))
    assert relations == ["0.000", "0.000", "0.000", "1.000", "1.000", "1.000", "1"]
    data = json.loads(out.read_text())
    assert data["documents"] == 1
    assert data["exact"]["micro"]["f1"] == pytest.approx(2 / 3)
    assert data["overlap"]["labels"]["CLAIM"]["tp"] == 1


def test_cli_bad_input_exits_1_with_location(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("{oops\n", encoding="utf-8")
    proc = run_cli("--gold", str(gold), str(gold))
    assert proc.returncode == 1
    assert f"{gold}:1" in proc.stderr and "Next step" in proc.stderr


def test_cli_help_has_an_example():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "labeling evaluate --gold" in proc.stdout
