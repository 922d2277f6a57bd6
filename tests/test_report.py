"""`labeling report` against the real Label Studio: every number of quality.json, computed by hand.

The project (two model versions, two annotators, through the API as the UI submits):

  A  mv1, admin, 10 s   suggestion ACTOR "Russian forces", WEAPON "Grad rockets", CLAIM, SOURCE "officials", CLAIM->SOURCE
                        final: ACTOR, WEAPON, CLAIM kept; SOURCE -> "regional officials" (boundary); relation kept
  B  mv1, admin, 30 s   suggestion ACTOR "Police", ACTOR "Gaza", ACTOR "Israeli jets", CLAIM, SOURCE "Police", CLAIM->SOURCE
                        final: ACTOR "Police", SOURCE, CLAIM kept; "Israeli jets" ACTOR -> WEAPON (relabelled);
                        ACTOR "Gaza" deleted; ACTOR "Israeli" added; relation kept
  C  mv2, admin 40 s then second 16 s (second is the latest: the record)
                        suggestion ACTOR "Hamas fighters", WEAPON "rockets", CLAIM, SOURCE "army", CLAIM->SOURCE
                        admin:  ACTOR kept, WEAPON kept, CLAIM kept, SOURCE -> "the Israeli army", relation
                        second: ACTOR -> "Hamas" (boundary), WEAPON, CLAIM, SOURCE kept, ACTOR "Israeli army" added, relation
  D  mv1, skipped by second (was_cancelled, 3 s: not a lead time that counts)
  E  mv1, not annotated
  F  no prediction, admin 20 s: SOURCE "Ukraine", CLAIM, WEAPON "Shahed drone", relation

v0001 is pulled before C is imported (with model version 2) and annotated, v0002 after.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from labeling.datasets.store import file_digest, read_manifest, verify
from labeling.quality.html import TITLES
from labeling.quality.metrics import EDIT_KINDS
from labeling.records import Document
from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import run_cli
from .helpers import arrow, prediction_ids, raw_sdk, region, rid, task_for

TITLE = "report-tests"
MV1, MV2 = "report-mv-1", "report-mv-2"
ADMIN, SECOND = "admin@labeling.local", "annotator2-report@example.com"

A = Document.make("rep-a", "Russian forces shelled Kharkiv with Grad rockets, regional officials said.")
B = Document.make("rep-b", "Police in Gaza said Israeli jets struck a school, killing four people.")
C = Document.make("rep-c", "Hamas fighters fired rockets at Ashkelon on Monday, the Israeli army said.")
D = Document.make("rep-d", "Nobody wants to annotate this quiet article about farming cooperatives.")
E = Document.make("rep-e", "An unannotated piece about drone exports to several European buyers.")
F = Document.make("rep-f", "Ukraine said it downed a Shahed drone near Odesa.")


def at(doc: Document, phrase: str) -> tuple[int, int]:
    start = doc.text.index(phrase)
    return start, start + len(phrase)


def sp(doc: Document, phrase: str, label: str) -> tuple[int, int, str]:
    return (*at(doc, phrase), label)


def keep(doc: Document, phrase: str, label: str) -> dict:
    """A suggested region submitted unchanged."""
    s, e = at(doc, phrase)
    return region(doc.text, rid(doc, s, e, label), s, e, label, "prediction")


def change(doc: Document, was: str, label: str, now: str, new_label: str | None = None) -> dict:
    """A suggested region moved or relabelled: it keeps the suggestion's region id."""
    s, e = at(doc, was)
    ns, ne = at(doc, now)
    return region(doc.text, rid(doc, s, e, label), ns, ne, new_label or label, "prediction-changed")


def draw(doc: Document, phrase: str, label: str, region_id: str) -> dict:
    return region(doc.text, region_id, *at(doc, phrase), label)


def link(doc: Document, head: tuple[str, str], child: tuple[str, str], child_id: str | None = None) -> dict:
    """CLAIM -> SOURCE between suggestion regions (phrase, label), or to a drawn region id."""
    return arrow(rid(doc, *at(doc, head[0]), head[1]), child_id or rid(doc, *at(doc, child[0]), child[1]))


CLAIM_A, CLAIM_B = "Russian forces shelled Kharkiv with Grad rockets", "Israeli jets struck a school, killing four people"
CLAIM_C, CLAIM_F = "Hamas fighters fired rockets at Ashkelon on Monday", "it downed a Shahed drone near Odesa"


@pytest.fixture(scope="module")
def reports(studio: Studio, ls_env, tmp_path_factory):
    """Build the project, pull + report v0001, annotate C, pull + report v0002 (all through the CLI)."""
    cwd = tmp_path_factory.mktemp("report-cli")
    proj = ensure_project(studio, default_scheme(), title=TITLE).project
    ids = studio.import_tasks(
        proj.id,
        [
            task_for(
                A,
                [sp(A, "Russian forces", "ACTOR"), sp(A, "Grad rockets", "WEAPON"), sp(A, CLAIM_A, "CLAIM"), sp(A, "officials", "SOURCE")],
                [(2, 3)],
                model_version=MV1,
            ),
            task_for(
                B,
                [sp(B, "Police", "ACTOR"), sp(B, "Gaza", "ACTOR"), sp(B, "Israeli jets", "ACTOR"), sp(B, CLAIM_B, "CLAIM"), sp(B, "Police", "SOURCE")],
                [(3, 4)],
                model_version=MV1,
            ),
            task_for(D, [sp(D, "farming cooperatives", "ACTOR")], model_version=MV1),
            task_for(E, [sp(E, "drone", "WEAPON")], model_version=MV1),
            {"data": {"text": F.text, "doc_id": F.id, "meta": {}}},
        ],
    )
    studio.update_project(proj.id, model_version=MV1)  # what `labeling push` does after pushing a model version
    preds = prediction_ids(studio, ids)
    second = raw_sdk(studio).users.create(email=SECOND, username="annotator2-report").id
    ta, tb, td, _te, tf = ids
    studio.create_annotation(
        ta,
        lead_time=10.0,
        parent_prediction=preds[ta],
        result=[
            keep(A, "Russian forces", "ACTOR"),
            keep(A, "Grad rockets", "WEAPON"),
            keep(A, CLAIM_A, "CLAIM"),
            change(A, "officials", "SOURCE", "regional officials"),
            link(A, (CLAIM_A, "CLAIM"), ("officials", "SOURCE")),
        ],
    )
    studio.create_annotation(
        tb,
        lead_time=30.0,
        parent_prediction=preds[tb],
        result=[
            keep(B, "Police", "ACTOR"),
            keep(B, "Police", "SOURCE"),
            keep(B, CLAIM_B, "CLAIM"),
            change(B, "Israeli jets", "ACTOR", "Israeli jets", "WEAPON"),
            draw(B, "Israeli", "ACTOR", "manual-israeli"),
            link(B, (CLAIM_B, "CLAIM"), ("Police", "SOURCE")),
        ],
    )
    studio.create_annotation(td, lead_time=3.0, parent_prediction=preds[td], result=[], was_cancelled=True, completed_by=second)
    studio.create_annotation(
        tf,
        lead_time=20.0,
        result=[
            draw(F, "Ukraine", "SOURCE", "f-src"),
            draw(F, CLAIM_F, "CLAIM", "f-claim"),
            draw(F, "Shahed drone", "WEAPON", "f-weapon"),
            arrow("f-claim", "f-src"),
        ],
    )

    out = {}
    for step in ("v0001", "v0002"):
        if step == "v0002":
            # A new model version for a new document, pushed the way `labeling push` does it.
            [tc] = studio.import_tasks(
                proj.id,
                [
                    task_for(
                        C,
                        [sp(C, "Hamas fighters", "ACTOR"), sp(C, "rockets", "WEAPON"), sp(C, CLAIM_C, "CLAIM"), sp(C, "army", "SOURCE")],
                        [(2, 3)],
                        model_version=MV2,
                    )
                ],
            )
            studio.update_project(proj.id, model_version=MV2)
            pc = prediction_ids(studio, [tc])[tc]
            studio.create_annotation(
                tc,
                lead_time=40.0,
                parent_prediction=pc,
                result=[
                    keep(C, "Hamas fighters", "ACTOR"),
                    keep(C, "rockets", "WEAPON"),
                    keep(C, CLAIM_C, "CLAIM"),
                    change(C, "army", "SOURCE", "the Israeli army"),
                    link(C, (CLAIM_C, "CLAIM"), ("army", "SOURCE")),
                ],
            )
            studio.create_annotation(
                tc,
                lead_time=16.0,
                parent_prediction=pc,
                completed_by=second,
                result=[
                    change(C, "Hamas fighters", "ACTOR", "Hamas"),
                    keep(C, "rockets", "WEAPON"),
                    keep(C, CLAIM_C, "CLAIM"),
                    keep(C, "army", "SOURCE"),
                    draw(C, "Israeli army", "ACTOR", "manual-idf"),
                    link(C, (CLAIM_C, "CLAIM"), ("army", "SOURCE")),
                ],
            )
        r = run_cli(["pull", "--project", TITLE, "--dataset", "quality", "--exports-dir", "tmp", "--silent"], env=ls_env, cwd=cwd)
        assert r.returncode == 0, r.stderr
        vdir = cwd / "tmp" / "quality" / step
        before = {f: file_digest(vdir / f) for f in read_manifest(vdir)["files"]}
        r = run_cli(["report", f"quality@{step}", "--exports-dir", "tmp"], env=ls_env, cwd=cwd)
        assert r.returncode == 0, r.stderr
        out[step] = (vdir, r, before)
    return cwd, out


def load(vdir: Path) -> dict:
    return json.loads((vdir / "quality.json").read_text(encoding="utf-8"))


def prf(tp: int, fp: int, fn: int, p: float, r: float, f1: float) -> dict:
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1}


def edits(kept=0, relabelled=0, boundary=0, deleted=0, added=0) -> dict:
    return {"kept": kept, "relabelled": relabelled, "boundary": boundary, "deleted": deleted, "added": added}


def agree(f1: float | None, matched: int, unmatched: int) -> dict:
    return {"f1": f1, "matched": matched, "unmatched": unmatched}


# Model version 1 = A + B (gold = final, prediction = suggestion).
# exact:  ACTOR A: Russian forces tp; B: Police tp, Gaza fp, Israeli jets fp, final Israeli fn -> tp2 fp2 fn1
#         CLAIM tp2; SOURCE A: officials fp / regional officials fn, B: Police tp -> tp1 fp1 fn1
#         WEAPON A: tp, B: final "Israeli jets" WEAPON fn -> tp1 fn1; micro tp6 fp3 fn3
#         relations: A's child SOURCE moved -> fp1 fn1, B tp1
# overlap: ACTOR B: suggested "Israeli jets" overlaps final ACTOR "Israeli" -> tp3 fp1 (Gaza) fn0
#         SOURCE A: officials within regional officials -> tp2; micro tp8 fp1 fn1; relations tp2
MV1_BLOCK = {
    "documents": 2,
    "suggested_spans": 9,
    "final_spans": 9,
    "unchanged_share": 6 / 9,
    "scores": {
        "exact": {
            "labels": {
                "ACTOR": prf(2, 2, 1, 2 / 4, 2 / 3, 4 / 7),
                "CLAIM": prf(2, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(1, 1, 1, 1 / 2, 1 / 2, 1 / 2),
                "WEAPON": prf(1, 0, 1, 1.0, 1 / 2, 2 / 3),
            },
            "micro": prf(6, 3, 3, 6 / 9, 6 / 9, 12 / 18),
            "relations": prf(1, 1, 1, 1 / 2, 1 / 2, 1 / 2),
        },
        "overlap": {
            "labels": {
                "ACTOR": prf(3, 1, 0, 3 / 4, 1.0, 6 / 7),
                "CLAIM": prf(2, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(2, 0, 0, 1.0, 1.0, 1.0),
                "WEAPON": prf(1, 0, 1, 1.0, 1 / 2, 2 / 3),
            },
            "micro": prf(8, 1, 1, 8 / 9, 8 / 9, 16 / 18),
            "relations": prf(2, 0, 0, 1.0, 1.0, 1.0),
        },
    },
    # A: kept ACTOR WEAPON CLAIM, SOURCE boundary; B: kept ACTOR(Police) SOURCE CLAIM, ACTOR->WEAPON relabelled,
    # ACTOR Gaza deleted, ACTOR Israeli added (by its final label). final 6+1+1+1 = 9, suggested 6+1+1+1 = 9.
    "edits": {"total": edits(6, 1, 1, 1, 1), "labels": {"ACTOR": edits(2, 1, 0, 1, 1), "CLAIM": edits(2), "SOURCE": edits(1, 0, 1), "WEAPON": edits(1)}},
}
# Model version 2 = C, against the second annotator's (latest) annotation.
# exact: ACTOR suggested Hamas fighters fp; final Hamas, Israeli army fn2; WEAPON CLAIM SOURCE tp; relation tp
# overlap: Hamas fighters ~ Hamas -> ACTOR tp1 fn1 (Israeli army)
MV2_BLOCK = {
    "documents": 1,
    "suggested_spans": 4,
    "final_spans": 5,
    "unchanged_share": 3 / 5,
    "scores": {
        "exact": {
            "labels": {
                "ACTOR": prf(0, 1, 2, 0.0, 0.0, 0.0),
                "CLAIM": prf(1, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(1, 0, 0, 1.0, 1.0, 1.0),
                "WEAPON": prf(1, 0, 0, 1.0, 1.0, 1.0),
            },
            "micro": prf(3, 1, 2, 3 / 4, 3 / 5, 6 / 9),
            "relations": prf(1, 0, 0, 1.0, 1.0, 1.0),
        },
        "overlap": {
            "labels": {
                "ACTOR": prf(1, 0, 1, 1.0, 1 / 2, 2 / 3),
                "CLAIM": prf(1, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(1, 0, 0, 1.0, 1.0, 1.0),
                "WEAPON": prf(1, 0, 0, 1.0, 1.0, 1.0),
            },
            "micro": prf(4, 0, 1, 1.0, 4 / 5, 8 / 9),
            "relations": prf(1, 0, 0, 1.0, 1.0, 1.0),
        },
    },
    "edits": {"total": edits(3, 0, 1, 0, 1), "labels": {"ACTOR": edits(0, 0, 1, 0, 1), "CLAIM": edits(1), "SOURCE": edits(1), "WEAPON": edits(1)}},
}
# All = MV1 + MV2 counts added.
ALL_BLOCK = {
    "documents": 3,
    "suggested_spans": 13,
    "final_spans": 14,
    "unchanged_share": 9 / 14,
    "scores": {
        "exact": {
            "labels": {
                "ACTOR": prf(2, 3, 3, 2 / 5, 2 / 5, 2 / 5),
                "CLAIM": prf(3, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(2, 1, 1, 2 / 3, 2 / 3, 2 / 3),
                "WEAPON": prf(2, 0, 1, 1.0, 2 / 3, 4 / 5),
            },
            "micro": prf(9, 4, 5, 9 / 13, 9 / 14, 18 / 27),
            "relations": prf(2, 1, 1, 2 / 3, 2 / 3, 2 / 3),
        },
        "overlap": {
            "labels": {
                "ACTOR": prf(4, 1, 1, 4 / 5, 4 / 5, 4 / 5),
                "CLAIM": prf(3, 0, 0, 1.0, 1.0, 1.0),
                "SOURCE": prf(3, 0, 0, 1.0, 1.0, 1.0),
                "WEAPON": prf(2, 0, 1, 1.0, 2 / 3, 4 / 5),
            },
            "micro": prf(12, 1, 2, 12 / 13, 12 / 14, 24 / 27),
            "relations": prf(3, 0, 0, 1.0, 1.0, 1.0),
        },
    },
    "edits": {"total": edits(9, 1, 2, 1, 2), "labels": {"ACTOR": edits(2, 1, 1, 1, 2), "CLAIM": edits(3), "SOURCE": edits(2, 0, 1), "WEAPON": edits(2)}},
}
# Agreement on C, admin (gold, sorts first) vs second:
# exact: ACTOR Hamas fighters | Hamas, Israeli army -> 0 matched, 3 unmatched; SOURCE the Israeli army | army -> 0, 2;
#        WEAPON, CLAIM matched; micro 2 matched, 5 unmatched -> F1 4/9; relation ends differ -> 0 matched, 2 unmatched
# overlap: ACTOR Hamas fighters ~ Hamas (1 matched, Israeli army unmatched) -> 2/3; SOURCE army within the Israeli army;
#        micro 4 matched, 1 unmatched -> 8/9; relation 1 matched -> 1.0
AGREEMENT = {
    "tasks": 1,
    "pairs": 1,
    "exact": {
        "labels": {"ACTOR": agree(0.0, 0, 3), "CLAIM": agree(1.0, 1, 0), "SOURCE": agree(0.0, 0, 2), "WEAPON": agree(1.0, 1, 0)},
        "micro": agree(4 / 9, 2, 5),
        "relations": agree(0.0, 0, 2),
    },
    "overlap": {
        "labels": {"ACTOR": agree(2 / 3, 1, 1), "CLAIM": agree(1.0, 1, 0), "SOURCE": agree(1.0, 1, 0), "WEAPON": agree(1.0, 1, 0)},
        "micro": agree(8 / 9, 4, 1),
        "relations": agree(1.0, 1, 0),
    },
    "by_pair": {
        f"{ADMIN} | {SECOND}": {
            "exact": {"micro": agree(4 / 9, 2, 5), "relations": agree(0.0, 0, 2)},
            "overlap": {"micro": agree(8 / 9, 4, 1), "relations": agree(1.0, 1, 0)},
        }
    },
}
NO_AGREEMENT = {
    "tasks": 0,
    "pairs": 0,
    "by_pair": {},
    **{m: {"labels": {}, "micro": agree(None, 0, 0), "relations": agree(None, 0, 0)} for m in ("exact", "overlap")},
}
# Trend points: v0001 is model version 1 alone; v0002 is ALL.
POINT_V1 = {
    "version": "v0001",
    "model_versions": [MV1],
    "documents": 2,
    "f1_exact": 12 / 18,
    "f1_overlap": 16 / 18,
    "relation_f1_exact": 1 / 2,
    "relation_f1_overlap": 1.0,
    "unchanged_share": 6 / 9,
}
POINT_V2 = {
    "version": "v0002",
    "model_versions": [MV1, MV2],
    "documents": 3,
    "f1_exact": 18 / 27,
    "f1_overlap": 24 / 27,
    "relation_f1_exact": 2 / 3,
    "relation_f1_overlap": 1.0,
    "unchanged_share": 9 / 14,
}
# Span labels over all splits: A ACTOR WEAPON CLAIM SOURCE; B ACTOR x2 WEAPON CLAIM SOURCE; C (second's) ACTOR x2
# WEAPON CLAIM SOURCE; F WEAPON CLAIM SOURCE.
LABELS_V1 = {"ACTOR": 3, "CLAIM": 3, "SOURCE": 3, "WEAPON": 3}
LABELS_V2 = {"ACTOR": 5, "CLAIM": 4, "SOURCE": 4, "WEAPON": 4}


def check_progress(q: dict, vdir: Path, tasks: dict, annotators: dict, labels: dict) -> None:
    prog = q["progress"]
    assert set(prog) == {"tasks", "annotators", "documents", "labels"}
    assert prog["tasks"] == tasks and prog["annotators"] == annotators
    # The split of each document comes from a hash of its text: read it from the split files, not by hand.
    for split in ("train", "dev", "test"):
        recs = [json.loads(line) for line in (vdir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert prog["documents"][split] == len(recs)
        counts: dict[str, int] = {}
        for rec in recs:
            for s in rec["spans"]:
                counts[s["label"]] = counts.get(s["label"], 0) + 1
        assert prog["labels"][split] == counts
    total: dict[str, int] = {}
    for counts in prog["labels"].values():
        for k, n in counts.items():
            total[k] = total.get(k, 0) + n
    assert total == labels and sum(prog["documents"].values()) == q["documents"]["total"]


def check_common(q: dict, vdir: Path, proj_title: str = TITLE) -> None:
    assert q["format"] == 1 and q["project"]["title"] == proj_title
    assert q["created_at"] == read_manifest(vdir)["created_at"]


def test_version_1(reports):
    _, out = reports
    vdir, _, _ = out["v0001"]
    q = load(vdir)
    check_common(q, vdir)
    assert (q["dataset"], q["version"]) == ("quality", "v0001")
    assert q["documents"] == {"total": 3, "with_suggestion": 2, "without_suggestion": 1, "unknown_model_version": 0}
    assert q["suggestions"] == {"all": MV1_BLOCK, "model_versions": {MV1: MV1_BLOCK}}
    assert q["agreement"] == NO_AGREEMENT
    # 5 tasks (C comes later): A B F annotated, D skipped, E not annotated. Admin lead times 10, 30, 20 -> median 20; D's 3 s is a skip.
    check_progress(
        q,
        vdir,
        {"total": 5, "annotated": 3, "skipped": 1, "unannotated": 1},
        {
            ADMIN: {"done": 3, "skipped": 0, "lead_time_total": 60.0, "lead_time_median": 20.0},
            SECOND: {"done": 0, "skipped": 1, "lead_time_total": 0, "lead_time_median": None},
        },
        LABELS_V1,
    )
    assert q["summary"] == {**POINT_V1, "created_at": q["created_at"]}
    assert q["trend"] == [q["summary"]]
    # One model_version: its tables are printed once, not again as "all model versions".
    text = " ".join(out["v0001"][1].stdout.split())
    assert text.count("Suggestions vs final, quality@v0001") == 1 and text.count("Edits, ") == 1
    assert f"Suggestions vs final, quality@v0001, {MV1}: 2 of 3 documents" in text and "all model versions" not in text


def test_version_2(reports):
    _, out = reports
    vdir, r, _ = out["v0002"]
    q = load(vdir)
    check_common(q, vdir)
    assert (q["dataset"], q["version"]) == ("quality", "v0002")
    assert q["documents"] == {"total": 4, "with_suggestion": 3, "without_suggestion": 1, "unknown_model_version": 0}
    assert q["suggestions"] == {"all": ALL_BLOCK, "model_versions": {MV1: MV1_BLOCK, MV2: MV2_BLOCK}}
    assert q["agreement"] == AGREEMENT
    # Admin 10, 30, 20, 40 -> median (20 + 30) / 2 = 25, total 100; second: C 16 s done, D skipped.
    check_progress(
        q,
        vdir,
        {"total": 6, "annotated": 4, "skipped": 1, "unannotated": 1},
        {
            ADMIN: {"done": 4, "skipped": 0, "lead_time_total": 100.0, "lead_time_median": 25.0},
            SECOND: {"done": 1, "skipped": 1, "lead_time_total": 16.0, "lead_time_median": 16.0},
        },
        LABELS_V2,
    )
    assert q["summary"] == {**POINT_V2, "created_at": q["created_at"]}
    v1_created = load(out["v0001"][0])["created_at"]
    assert q["trend"] == [{**POINT_V1, "created_at": v1_created}, q["summary"]]
    assert set(q) == {"format", "dataset", "version", "created_at", "project", "documents", "suggestions", "agreement", "team", "progress", "summary", "trend"}
    # The terminal tables.
    text = " ".join(r.stdout.split())
    assert "Suggestions vs final, quality@v0002, all model versions: 3 of 4 documents; 64.3% of final spans unchanged" in text
    assert "Agreement: 1 task with 2+ annotations, 1 pair" in text
    assert "Progress: 6 tasks, 4 annotated, 1 skipped, 1 not annotated" in text
    assert f"Wrote {Path('tmp/quality/v0002/quality.json')} and {Path('tmp/quality/v0002/report.html')}" in text


def test_every_figure_is_readable_at_80_columns_when_piped(reports, ls_env):
    cwd, out = reports
    vdir = out["v0002"][0]
    env = {**ls_env, "COLUMNS": "80"}
    r = run_cli(["report", "quality@v0002", "--exports-dir", "tmp"], env=env, cwd=cwd)  # captured: no TTY
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout and max(len(line) for line in r.stdout.splitlines()) <= 80
    q = load(vdir)
    blocks = {"all model versions": q["suggestions"]["all"], **q["suggestions"]["model_versions"]}
    rows = [line.split() for line in r.stdout.splitlines()]
    for name, block in blocks.items():
        assert f"Suggestions vs final, quality@v0002, {name}" in " ".join(r.stdout.split())
        for label, exact in block["scores"]["exact"]["labels"].items():
            overlap = block["scores"]["overlap"]["labels"][label]
            want = [label, *(f"{exact[k]:.3f}" for k in ("precision", "recall", "f1")), *(f"{overlap[k]:.3f}" for k in ("precision", "recall", "f1"))]
            assert any(row[: len(want)] == want for row in rows), (name, want)
        totals = block["edits"]["total"]
        assert ["all", "spans", *(str(totals[k]) for k in EDIT_KINDS)] in rows
    as_json = run_cli(["report", "quality@v0002", "--exports-dir", "tmp", "--json"], env=env, cwd=cwd)
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == q


def test_html_rebuilds_from_the_saved_quality_json(reports, ls_env):
    cwd, out = reports
    vdir = out["v0002"][0]
    before = (vdir / "report.html").read_bytes()
    (vdir / "report.html").unlink()
    (vdir / "train.jsonl").rename(vdir / "train.moved")  # proves the records are not read again
    try:
        r = run_cli(["report", "quality@v0002", "--exports-dir", "tmp", "--html-only"], env=ls_env, cwd=cwd)
    finally:
        (vdir / "train.moved").rename(vdir / "train.jsonl")
    assert r.returncode == 0, r.stderr
    assert (vdir / "report.html").read_bytes() == before


def test_hashed_files_unchanged_and_verify_passes(reports, ls_env):
    cwd, out = reports
    for vdir, _, before in out.values():
        assert {f: file_digest(vdir / f) for f in before} == before
        assert (vdir / "quality.json").exists() and (vdir / "report.html").exists()
        assert verify(vdir) == []
    r = run_cli(["datasets", "verify", "quality", "--exports-dir", "tmp"], env=ls_env, cwd=cwd)
    assert r.returncode == 0, r.stderr + r.stdout


def test_html_is_self_contained_with_every_plot(reports):
    _, out = reports
    page = (out["v0002"][0] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count("<svg") == 5
    for title in TITLES.values():
        assert f"<h2>{title}</h2>" in page and f"<title>{title}</title>" in page


def test_project_mode_writes_nothing_into_exports(reports, ls_env, tmp_path):
    _cwd, out = reports
    r = run_cli(["report", "--project", TITLE, "--out", "rep", "--html", "pages/q.html"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages", "rep"]
    q = load(tmp_path / "rep")
    v2 = load(out["v0002"][0])
    assert (q["dataset"], q["version"]) == (None, None)
    for key in ("documents", "suggestions", "agreement", "project"):
        assert q[key] == v2[key], key
    assert q["progress"]["tasks"] == v2["progress"]["tasks"] and q["progress"]["annotators"] == v2["progress"]["annotators"]
    assert q["trend"] == [q["summary"]] and q["summary"] == {**POINT_V2, "version": None, "created_at": q["created_at"]}
    assert (tmp_path / "pages" / "q.html").exists() and not (tmp_path / "rep" / "report.html").exists()


def test_usage_errors(ls_env, tmp_path):
    r = run_cli(["report"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1 and "Name either a dataset version or a project." in r.stderr
    r = run_cli(["report", "nope@v1"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1 and "No dataset 'nope'" in r.stderr and "Traceback" not in r.stderr


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(vdir: Path) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed((vdir / "report.html").read_text(encoding="utf-8"))
    return parser.tables


def shown(v) -> str:
    """A figure as a reader sees it: '-' undefined, three decimals, counts whole."""
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@pytest.mark.parametrize("step", ["v0001", "v0002"])
def test_html_tables_match_quality_json_cell_by_cell(reports, step):
    _, out = reports
    vdir = out[step][0]
    q, tables = load(vdir), html_tables(vdir)
    sug = q["suggestions"]
    blocks = {"all": sug["all"], **sug["model_versions"]}
    f1, labels, edit_table = tables[0], tables[1], tables[2]
    assert f1[0] == ["model_version", "docs", "exact P", "R", "F1", "overlap P", "R", "F1", "rel F1 exact", "overlap", "unchanged"]
    for row, (mv, b) in zip(f1[1:], blocks.items(), strict=True):
        sc = b["scores"]
        micro = [shown(sc[m]["micro"][k]) for m in ("exact", "overlap") for k in ("precision", "recall", "f1")]
        assert row == [
            mv,
            str(b["documents"]),
            *micro,
            shown(sc["exact"]["relations"]["f1"]),
            shown(sc["overlap"]["relations"]["f1"]),
            shown(b["unchanged_share"]),
        ]
    all_scores = sug["all"]["scores"]
    assert [r[0] for r in labels[1:]] == sorted(all_scores["exact"]["labels"])
    for row in labels[1:]:
        cells = [shown(all_scores[m]["labels"][row[0]][k]) for m in ("exact", "overlap") for k in ("precision", "recall", "f1")]
        assert row[1:] == cells, row[0]
    assert edit_table[0] == ["label", *EDIT_KINDS]
    edits = sug["all"]["edits"]
    for row in edit_table[1:]:
        counts = edits["total"] if row[0] == "total" else edits["labels"][row[0]]
        assert row[1:] == [str(counts[k]) for k in EDIT_KINDS], row[0]
    assert [r[0] for r in edit_table[1:]] == [*edits["labels"], "total"]
    trend = tables[-1]
    for row, point in zip(trend[1:], q["trend"], strict=True):
        assert row == [
            point["version"],
            ", ".join(point["model_versions"]),
            str(point["documents"]),
            *(shown(point[k]) for k in ("f1_exact", "f1_overlap", "relation_f1_exact", "unchanged_share")),
        ]


NO_REL = Document.make("rep-norel", "Rebels shelled the northern town overnight.")


def test_a_version_without_relations_shows_undefined_relation_figures(studio: Studio, ls_env, tmp_path):
    title = "report-tests-no-relations"
    proj = ensure_project(studio, default_scheme(), title=title).project
    [task] = studio.import_tasks(proj.id, [task_for(NO_REL, [sp(NO_REL, "Rebels", "ACTOR")], model_version=MV1)])
    studio.create_annotation(task, lead_time=5.0, parent_prediction=prediction_ids(studio, [task])[task], result=[keep(NO_REL, "Rebels", "ACTOR")])
    r = run_cli(["pull", "--project", title, "--dataset", "norel", "--exports-dir", "tmp", "-q"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli(["report", "norel", "--exports-dir", "tmp"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    vdir = tmp_path / "tmp" / "norel" / "v0001"
    q = load(vdir)
    for block in (q["suggestions"]["all"], q["suggestions"]["model_versions"][MV1]):
        for mode in ("exact", "overlap"):
            assert block["scores"][mode]["relations"] == {"tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None, "f1": None}
            assert block["scores"][mode]["micro"]["f1"] == 1.0  # the one ACTOR kept: a real score
    assert q["summary"]["relation_f1_exact"] is None and q["summary"]["relation_f1_overlap"] is None
    rows = [line.split() for line in r.stdout.splitlines()]
    assert ["relations", "-", "-", "-", "-", "-", "-", "0"] in rows
    assert not any(row and row[0] == "relations" and "1.000" in row for row in rows)
    f1 = html_tables(vdir)[0]
    assert [row[8:10] for row in f1[1:]] == [["-", "-"], ["-", "-"]]
