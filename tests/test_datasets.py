"""Dataset versions from real pulls: immutability, no-change pulls, CHANGES.md, stable splits,
verify, a pull killed midway, Hugging Face loading, spaCy DocBins."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeling.datasets.docbin import pick_ents
from labeling.records import Document
from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import MV, add_documents, annotate_as_predicted, prediction_ids, raw_sdk

TITLE = "pull-tests-datasets"
NAME = "news"
RATIOS = "0.6,0.2,0.2"
TAIL = "\n\n(Reporting by the wire desk; editing by the night desk.)"


def gold() -> list[dict]:
    return [json.loads(l) for l in (REPO / "data" / "sample" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def near_duplicate(rec: dict, suffix: str) -> dict:
    return {**rec, "id": f"{rec['id']}-{suffix}", "text": rec["text"] + TAIL}


def combine(doc_id: str, recs: list[dict]) -> dict:
    """A new, distinct document: three articles in one (spans shifted)."""
    text, spans, relations = "", [], []
    for rec in recs:
        if text:
            text += "\n\n"
        spans += [{**s, "start": s["start"] + len(text), "end": s["end"] + len(text)} for s in rec["spans"]]
        relations += rec["relations"]
        text += rec["text"]
    return {"id": doc_id, "text": text, "spans": spans, "relations": relations, "meta": {"source": "combined"}}


def records(vdir: Path) -> dict[str, tuple[str, dict]]:
    out = {}
    for split in ("train", "dev", "test"):
        for line in (vdir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            out[rec["id"]] = (split, rec)
    return out


def pull_cli(ls_env, cwd, *extra):
    return run_cli(["pull", "--project", TITLE, "--dataset", NAME, "--ratios", RATIOS, "--silent", *extra], env=ls_env, cwd=cwd)


@pytest.fixture(scope="module")
def setup(studio: Studio, tmp_path_factory):
    proj = ensure_project(studio, default_scheme(), title=TITLE).project
    base = gold()
    ids = add_documents(studio, proj.id, [*base, near_duplicate(base[2], "syndicated")])
    return proj, ids, tmp_path_factory.mktemp("datasets")


@pytest.fixture(scope="module")
def v1(setup, ls_env):
    _, _, cwd = setup
    first = pull_cli(ls_env, cwd)
    assert first.returncode == 0, first.stderr
    again = pull_cli(ls_env, cwd)
    assert again.returncode == 0, again.stderr
    return cwd / "exports" / NAME / "v0001", first, again


def test_first_version_layout_and_manifest(v1, setup, studio):
    vdir, first, _ = v1
    proj = setup[0]
    assert sorted(p.name for p in vdir.iterdir()) == ["CHANGES.md", "README.md", "dev.jsonl", "manifest.json", "test.jsonl", "train.jsonl"]
    m = json.loads((vdir / "manifest.json").read_text())
    assert (m["version"], m["parent"], m["policy"], m["toolkit_version"]) == ("v0001", None, "latest", "0.1.0")
    assert m["label_studio"] == {"url": studio.url, "version": studio.version} and "@" not in m["label_studio"]["url"]
    assert m["project"] == {"id": proj.id, "title": TITLE} and isinstance(m["export_id"], int)
    assert m["scheme"]["digest"] == default_scheme().digest and m["model_versions"] == [MV]
    assert sum(m["counts"]["documents"].values()) == 27 and min(m["counts"]["documents"].values()) >= 1
    gold_labels: dict[str, int] = {}
    for rec in gold():
        for s in rec["spans"]:
            gold_labels[s["label"]] = gold_labels.get(s["label"], 0) + 1
    totals = {l: sum(m["counts"]["labels"][s].get(l, 0) for s in m["counts"]["labels"]) for l in gold_labels}
    extra = {l: sum(1 for s in gold()[2]["spans"] if s["label"] == l) for l in gold_labels}  # the near-duplicate
    assert totals == {l: gold_labels[l] + extra[l] for l in gold_labels}
    for name, info in m["files"].items():
        data = (vdir / name).read_bytes()
        assert info == {"sha256": hashlib.sha256(data).hexdigest(), "lines": data.count(b"\n"), "bytes": len(data)}
    assert f"Wrote exports/{NAME}/v0001 (" in first.stdout
    card = (vdir / "README.md").read_text()
    assert "## Labels" in card and "**WEAPON**" in card and 'load_dataset("json"' in card and "jsonlines" in card


def test_gold_offsets_come_back_exactly(v1):
    recs = records(v1[0])
    for g in gold():
        rec = recs[g["id"]][1]
        assert [(s["start"], s["end"], s["label"]) for s in rec["spans"]] == sorted((s["start"], s["end"], s["label"]) for s in g["spans"])
        assert rec["meta"]["regions"] == {"kept": len(g["spans"]), "changed": 0, "added": 0, "deleted": 0}


def test_near_duplicates_share_a_split(v1):
    recs = records(v1[0])
    assert recs["wire-003"][0] == recs["wire-003-syndicated"][0]


def test_second_pull_without_changes_makes_no_version(v1):
    vdir, _, again = v1
    assert f"No change since {NAME}@v0001" in again.stdout and "no new version written" in again.stdout
    assert sorted(p.name for p in vdir.parent.iterdir()) == ["v0001"]


def test_same_export_and_config_give_identical_bytes(v1, ls_env, tmp_path):
    r = run_cli(["pull", "--project", TITLE, "--dataset", NAME, "--ratios", RATIOS, "--exports-dir", str(tmp_path / "other")], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for split in ("train.jsonl", "dev.jsonl", "test.jsonl"):
        assert (tmp_path / "other" / NAME / "v0001" / split).read_bytes() == (v1[0] / split).read_bytes()


@pytest.fixture(scope="module")
def v2(v1, setup, studio, ls_env):
    """One changed annotation, three new documents, one new near-duplicate of a test document."""
    proj, ids, cwd = setup
    before = records(v1[0])
    test_doc = sorted(i for i, (split, _) in before.items() if split == "test")[0]
    base = {g["id"]: g for g in gold()}
    task_id, annotation_id = ids["wire-005"]
    doc = Document.make("wire-005", base["wire-005"]["text"], base["wire-005"]["meta"])
    rec = base["wire-005"]
    changed = annotate_as_predicted(studio, task_id, prediction_ids(studio, [task_id])[task_id], doc, rec, drop=1)
    raw_sdk(studio).annotations.delete(id=annotation_id)
    new = [combine(f"new-{n}", [base[f"wire-{i:03d}"] for i in range(n, n + 3)]) for n in (10, 13, 16)]
    twin = base.get(test_doc) or base[test_doc.replace("-syndicated", "")]
    add_documents(studio, proj.id, [*new, near_duplicate(twin, "twin")])
    r = pull_cli(ls_env, cwd)
    assert r.returncode == 0, r.stderr
    return cwd / "exports" / NAME / "v0002", r, before, test_doc, changed


def test_changed_annotation_makes_v0002_naming_the_document(v2):
    vdir, r, before, _test_doc, changed = v2
    assert f"Wrote exports/{NAME}/v0002" in r.stdout
    changes = (vdir / "CHANGES.md").read_text()
    assert "## Changed documents (1)\n\n`wire-005`\n" in changes
    assert "## Added documents (3)\n\n`new-10`, `new-13`, `new-16`\n" in changes
    assert "## Removed documents (0)" in changes
    after = records(vdir)
    assert after["wire-005"][1]["meta"]["annotation_id"] == changed
    old = {(s["start"], s["end"], s["label"]) for s in before["wire-005"][1]["spans"]}
    new = {(s["start"], s["end"], s["label"]) for s in after["wire-005"][1]["spans"]}
    assert new < old and len(old - new) == 1
    ((_, _, label),) = old - new
    m = json.loads((vdir / "manifest.json").read_text())
    assert m["parent"] == "v0001" and m["test_frozen"] is True
    count_before = sum(1 for _, rec in before.values() for s in rec["spans"] if s["label"] == label)
    count_after = sum(1 for _, rec in after.values() for s in rec["spans"] if s["label"] == label)
    assert f"| {label} | {count_before} | {count_after} | {count_after - count_before:+d} |" in changes


def test_splits_are_stable_and_test_is_frozen(v2):
    vdir, r, before, test_doc, _ = v2
    after = records(vdir)
    for doc_id, (split, _) in before.items():
        assert after[doc_id][0] == split
    new = {i: s for i, (s, _) in after.items() if i not in before}
    assert set(new) == {"new-10", "new-13", "new-16"} and "test" not in new.values()
    # The new near-duplicate of a test document is held out rather than leaked into train.
    twin = f"{test_doc.replace('-syndicated', '')}-twin"
    assert twin not in after
    assert json.loads((vdir / "manifest.json").read_text())["held_out"] == [twin]
    assert f"Held out 1 new near-duplicate of frozen test documents: {twin}" in r.stderr


def test_diff_and_show_and_list(v2, setup):
    cwd = setup[2]
    d = run_cli(["datasets", "diff", f"{NAME}@v1", f"{NAME}@v0002"], cwd=cwd)
    assert d.returncode == 0 and "changed (1): wire-005" in d.stdout and "added (3): new-10, new-13, new-16" in d.stdout
    s = run_cli(["datasets", "show", NAME], cwd=cwd)
    assert s.returncode == 0 and "(v0002, parent v0001," in s.stdout and "policy latest" in s.stdout
    ls = run_cli(["datasets", "list"], cwd=cwd)
    assert ls.returncode == 0 and f"{NAME}: v0001, v0002 (latest v0002: 30 documents" in ls.stdout


def test_verify_catches_a_tampered_file(v2, setup, tmp_path):
    cwd = setup[2]
    ok = run_cli(["datasets", "verify", NAME], cwd=cwd)
    assert ok.returncode == 0 and ok.stdout.count(": OK") == 2
    copy = tmp_path / "exports"
    shutil.copytree(cwd / "exports", copy)
    dev = copy / NAME / "v0001" / "dev.jsonl"
    dev.write_text(dev.read_text(encoding="utf-8").replace('"text":"', '"text":"X', 1), encoding="utf-8")
    bad = run_cli(["datasets", "verify", f"{NAME}@v1", "--exports-dir", str(copy)])
    assert bad.returncode == 1 and f"{dev}: sha256" in bad.stderr and "MISMATCH" in bad.stderr
    assert "train.jsonl" not in bad.stderr


def test_pull_killed_midway_leaves_no_partial_version(v2, setup, ls_env):
    cwd = setup[2]
    ddir = cwd / "exports" / NAME
    proc = subprocess.Popen(
        [sys.executable, "-m", "labeling", "pull", "--project", TITLE, "--dataset", NAME, "--ratios", RATIOS, "--silent"],
        env=ls_env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".tmp-") for p in ddir.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "the pull ended before its temp dir showed"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sorted(p.name for p in ddir.iterdir() if not p.name.startswith(".tmp-")) == ["v0001", "v0002"]
    assert len([p for p in ddir.iterdir() if p.name.startswith(".tmp-")]) == 1  # left behind, never a version
    listed = run_cli(["datasets", "list"], cwd=cwd)
    assert f"{NAME}: v0001, v0002 " in listed.stdout
    assert run_cli(["datasets", "verify", NAME], cwd=cwd).returncode == 0
    again = pull_cli(ls_env, cwd)  # cleans the leftover, finds nothing new
    assert again.returncode == 0 and f"No change since {NAME}@v0002" in again.stdout
    assert sorted(p.name for p in ddir.iterdir()) == ["v0001", "v0002"]


def test_split_files_load_unchanged_with_hf_datasets(v2, tmp_path):
    datasets = pytest.importorskip("datasets")
    vdir = v2[0]
    files = {s: str(vdir / f"{s}.jsonl") for s in ("train", "dev", "test")}
    ds = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hf"))
    recs = records(vdir)
    for split in files:
        assert ds[split].num_rows == sum(1 for s, _ in recs.values() if s == split)
        for row in ds[split]:
            rec = recs[row["id"]][1]
            assert (row["text"], row["spans"], row["relations"], row["tokens"], row["task_hash"]) == (
                rec["text"],
                rec["spans"],
                rec["relations"],
                rec["tokens"],
                rec["task_hash"],
            )


def test_export_spacy_docbins(v2, setup, tmp_path):
    import spacy
    from spacy.tokens import Doc, DocBin

    if not Doc.has_extension("rel"):
        Doc.set_extension("rel", default={})
    cwd = setup[2]
    r = run_cli(["export-spacy", f"{NAME}@v2", "-o", str(tmp_path / "corpus")], cwd=cwd)
    assert r.returncode == 0, r.stderr
    recs = records(v2[0])
    vocab = spacy.blank("en").vocab
    for split in ("train", "dev", "test"):
        docs = list(DocBin().from_disk(tmp_path / "corpus" / f"{split}.spacy").get_docs(vocab))
        expected = sorted((i, rec) for i, (s, rec) in recs.items() if s == split)
        assert len(docs) == len(expected)
        for doc, (_, rec) in zip(docs, expected):
            assert doc.text == rec["text"]
            assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == [(s["start"], s["end"], s["label"]) for s in rec["spans"]]
            ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            assert {e[2] for e in ents} <= {"ACTOR", "WEAPON"}
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(ents))  # sorted, no overlap
            # relations in the rel_component tutorial's format: (claim token start, source token start) -> label probability
            starts = {s["id"]: doc.char_span(s["start"], s["end"]).start for s in rec["spans"]}
            linked = {(starts[r["head_span"]], starts[r["child_span"]]) for r in rec["relations"]}
            assert {k for k, v in doc._.rel.items() if v["attributed_to"] == 1.0} == linked
            assert len(doc._.rel) == len(
                {(starts[c["id"]], starts[s["id"]]) for c in rec["spans"] if c["label"] == "CLAIM" for s in rec["spans"] if s["label"] == "SOURCE"}
            )


def test_ents_rule_longest_then_earliest():
    spans = [(0, 3, "ACTOR"), (1, 2, "WEAPON"), (4, 6, "ACTOR"), (3, 5, "WEAPON"), (7, 8, "WEAPON")]
    assert pick_ents(spans) == [(0, 3, "ACTOR"), (3, 5, "WEAPON"), (7, 8, "WEAPON")]


@pytest.mark.parametrize("ref", ["nonexistent", "../x", f"{NAME}@v99"])
@pytest.mark.parametrize("command", [["datasets", "verify"], ["datasets", "show"], ["report"]])
def test_unknown_or_invalid_dataset_name_fails_clearly(v1, setup, command, ref):
    r = run_cli([*command, ref], cwd=setup[2])
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Error:" in r.stderr and "Traceback" not in r.stderr and ": OK" not in r.stdout


def test_version_folders_get_the_umask_mode_of_a_normal_directory(tmp_path):
    from labeling.datasets.store import commit_version, new_temp_dir

    old = os.umask(0o022)
    try:
        tmp = new_temp_dir(tmp_path / "ds")
        for f in ("train.jsonl", "dev.jsonl", "test.jsonl"):
            (tmp / f).write_text("", encoding="utf-8")
        final = commit_version(tmp_path / "ds", tmp, {"version": "v0001"}, "card", "changes")
    finally:
        os.umask(old)
    assert stat.S_IMODE(final.stat().st_mode) == 0o755  # what mkdir gives under umask 022, not mkdtemp's 0700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o644 for f in final.iterdir())


def _version(root: Path, name: str, splits: dict[str, list[tuple[str, str, list[str]]]]) -> None:
    """A version directory of minimal records (id, task_hash, span labels), each split in the order given."""
    from labeling.datasets.store import commit_version, new_temp_dir

    tmp = new_temp_dir(root / "ds")
    for split in ("train", "dev", "test"):
        lines = [json.dumps({"id": i, "task_hash": h, "spans": [{"label": l} for l in labels]}) + "\n" for i, h, labels in splits.get(split, [])]
        (tmp / f"{split}.jsonl").write_text("".join(lines), encoding="utf-8")
    commit_version(root / "ds", tmp, {"version": name}, "card", "changes")


def test_diff_reads_versions_in_id_order_across_splits(tmp_path):
    # Ids interleave across the split files: the diff lists them in id order, as one sorted list each.
    v1 = {"train": [("a", "1", ["ACTOR"]), ("d", "4", []), ("f", "6", ["CLAIM"])], "dev": [("b", "2", ["ACTOR"])], "test": [("c", "3", [])]}
    v2 = {"train": [("a", "1", ["ACTOR"]), ("e", "5", []), ("f", "7", [])], "dev": [("b", "9", [])], "test": [("c", "3", []), ("g", "8", ["ACTOR"])]}
    _version(tmp_path, "v0001", v1)
    _version(tmp_path, "v0002", v2)
    r = run_cli(["datasets", "diff", "ds@v1", "ds@v2", "--exports-dir", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "added (2): e, g",
        "removed (1): d",
        "changed (2): b, f",
        "  ACTOR: 2 -> 2 (+0)",
        "  CLAIM: 1 -> 0 (-1)",
    ]


def test_diff_of_a_version_whose_records_are_out_of_order_fails_clearly(tmp_path):
    _version(tmp_path, "v0001", {"train": [("a", "1", [])]})
    _version(tmp_path, "v0002", {"train": [("b", "2", []), ("a", "1", [])]})  # not written by a pull: out of id order
    r = run_cli(["datasets", "diff", "ds@v1", "ds@v2", "--exports-dir", str(tmp_path)])
    assert r.returncode == 1 and "not sorted by id" in r.stderr and "Traceback" not in r.stderr
