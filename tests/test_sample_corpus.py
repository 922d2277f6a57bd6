"""The sample and evaluation corpora obey the label scheme and are exactly what tools/build_gold.py generates."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from labeling.records import content_hash, normalise, region_id
from labeling.scheme import default_scheme

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
EVAL = ROOT / "data" / "eval"
RECORDS = [json.loads(line) for line in (SAMPLE / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
IDS = [r["id"] for r in RECORDS]
EVAL_RECORDS = [json.loads(line) for line in (EVAL / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
FIELD = ROOT / "data" / "field"
FIELD_RECORDS = [json.loads(line) for line in (FIELD / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
HELD_OUT = EVAL_RECORDS + FIELD_RECORDS


def test_size_order_and_shape():
    assert len(RECORDS) >= 25
    assert sorted(set(IDS)) == IDS
    for r in RECORDS:
        assert list(r) == ["id", "text", "spans", "relations", "meta"]
        assert r["meta"] == {"source": "sample"}
        assert 80 <= len(r["text"].split()) <= 250, r["id"]


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_raw_article_normalises_to_gold_text(record):
    raw = (SAMPLE / "articles" / f"{record['id']}.txt").read_bytes().decode("utf-8")
    assert normalise(raw) == record["text"]


@pytest.mark.parametrize("record", RECORDS + HELD_OUT, ids=IDS + [r["id"] for r in HELD_OUT])
def test_spans_follow_the_scheme(record):
    text, labels = record["text"], default_scheme().label_names
    doc_hash = content_hash(text)
    for s in record["spans"]:
        assert s["label"] in labels
        assert 0 <= s["start"] < s["end"] <= len(text)
        assert s["text"] == text[s["start"] : s["end"]]
        assert s["text"] == s["text"].strip(), f"whitespace at the edge of {s['text']!r}"
        assert "\n" not in s["text"], f"span crosses a line break: {s['text']!r}"
        assert not s["text"].lower().startswith(("the ", "a ", "an ")) or s["label"] == "CLAIM", s["text"]
        assert s["id"] == region_id(doc_hash, s["start"], s["end"], s["label"])
    for label in labels:
        same = sorted((s["start"], s["end"]) for s in record["spans"] if s["label"] == label)
        for (_, end), (start, _) in itertools.pairwise(same):
            assert start >= end, f"two {label} spans overlap in {record['id']}"


@pytest.mark.parametrize("record", RECORDS + HELD_OUT, ids=IDS + [r["id"] for r in HELD_OUT])
def test_every_claim_is_attributed_to_a_source(record):
    scheme = default_scheme()
    by_id: dict[str, set[str]] = {}
    for s in record["spans"]:
        by_id.setdefault(s["id"], set()).add(s["label"])
    for rel in record["relations"]:
        assert scheme.relation(rel["label"]) is not None
        assert by_id[rel["head_span"]] == {"CLAIM"}
        assert by_id[rel["child_span"]] == {"SOURCE"}
    attributed = {rel["head_span"] for rel in record["relations"]}
    claims = {s["id"] for s in record["spans"] if s["label"] == "CLAIM"}
    assert claims <= attributed
    assert len({(r["head_span"], r["child_span"]) for r in record["relations"]}) == len(record["relations"])


def test_corpus_covers_the_hard_cases():
    texts = [r["text"] for r in RECORDS]
    assert any(any(ord(c) > 0xFFFF and unicodedata.category(c) == "So" for c in t) for t in texts), "emoji"
    assert any(any(unicodedata.combining(c) for c in t) for t in texts), "combining accent"
    assert any(b"\r\n" in p.read_bytes() for p in (SAMPLE / "articles").glob("*.txt")), "CRLF article"
    # A SOURCE that is also an ACTOR, a claim relayed to two sources, an emoji inside a span.
    assert any(
        {"ACTOR", "SOURCE"} <= {s["label"] for s in r["spans"] if s["start"] == x["start"] and s["end"] == x["end"]} for r in RECORDS for x in r["spans"]
    )
    assert any(len(r["relations"]) > len({rel["head_span"] for rel in r["relations"]}) for r in RECORDS)
    assert any(any(ord(c) > 0xFFFF for c in s["text"]) for r in RECORDS for s in r["spans"])


def test_articles_match_gold_one_to_one():
    assert sorted(p.stem for p in (SAMPLE / "articles").glob("*.txt")) == IDS
    assert sorted(p.stem for p in (SAMPLE / "annotated").glob("*.md")) == IDS


def test_build_script_regenerates_byte_identically(tmp_path):
    script = ROOT / "tools" / "build_gold.py"
    proc = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    built = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert built == sorted(["gold.jsonl"] + [f"articles/{i}.txt" for i in IDS])
    for name in built:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_evaluation_corpus_is_held_out_and_regenerates(tmp_path):
    ids = [r["id"] for r in EVAL_RECORDS]
    assert len(ids) >= 30 and sorted(set(ids)) == ids
    assert all(r["meta"] == {"source": "eval"} for r in EVAL_RECORDS)
    assert not {r["text"] for r in EVAL_RECORDS} & {r["text"] for r in RECORDS}, "an article is in both corpora"
    script = ROOT / "tools" / "build_gold.py"
    proc = subprocess.run([sys.executable, str(script), "--corpus", str(EVAL), "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ["gold.jsonl"] + [f"articles/{i}.txt" for i in ids]:
        assert (tmp_path / name).read_bytes() == (EVAL / name).read_bytes(), name


def test_field_corpus_is_held_out_and_regenerates(tmp_path):
    """data/field: 40+ articles of its own conflicts, none shared with the other corpora, built by the same tool."""
    ids = [r["id"] for r in FIELD_RECORDS]
    assert len(ids) >= 40 and sorted(set(ids)) == ids
    assert all(r["meta"] == {"source": "field"} for r in FIELD_RECORDS)
    assert all(120 <= len(r["text"].split()) <= 320 for r in FIELD_RECORDS)
    assert not {r["text"] for r in FIELD_RECORDS} & {r["text"] for r in RECORDS + EVAL_RECORDS}
    script = ROOT / "tools" / "build_gold.py"
    proc = subprocess.run([sys.executable, str(script), "--corpus", str(FIELD), "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ["gold.jsonl"] + [f"articles/{i}.txt" for i in ids]:
        assert (tmp_path / name).read_bytes() == (FIELD / name).read_bytes(), name
