"""`labeling pull` against the real Label Studio: policies, validation, exact offsets, the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeling.errors import NothingToPull
from labeling.pull.policy import majority
from labeling.pull.run import pull
from labeling.records import Document, Span, content_hash
from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import run_cli
from .helpers import MV, arrow, prediction_ids, raw_sdk, region, rid, task_for

# -- the project ------------------------------------------------------------------

T1 = Document.make("pull-t1", "The Pentagon said two MQ-9 drones were shot down over Yemen.", {"outlet": "wire", "lang": "en"})
T2_RAW = 'Kyiv \U0001f1fa\U0001f1e6 officials said:\r\n"Drones hit Ode\u0301sa overnight" \U0001f44d\U0001f3fd today.\r\nPresident Zelenskyy confirmed it.'
T2 = Document.make("pull-t2", T2_RAW, {"outlet": "blog", "lang": "en"})
T3 = Document.make("pull-t3", "Nothing to see in this skipped article.", {"outlet": "wire", "lang": "en"})
T4 = Document.make("pull-t4", "Hamas fighters fired rockets at Ashkelon, the army said.", {"outlet": "wire", "lang": "en"})
T5 = Document.make("pull-t5", "An article nobody has annotated yet.", {"outlet": "wire", "lang": "en"})
T6_RAW = "Line one.\r\nRussia said it."  # imported as is, CRLF and all (not through push)
SECOND = "annotator2-pull@example.com"


@pytest.fixture(scope="module")
def project(studio: Studio):
    scheme = default_scheme()
    proj = ensure_project(studio, scheme, title="pull-tests-records").project
    tasks = [
        task_for(T1, [(0, 12, "SOURCE"), (27, 33, "WEAPON"), (18, 59, "CLAIM"), (54, 59, "ACTOR")], [(2, 0)]),
        task_for(T2, [(8, 17, "SOURCE"), (25, 52, "CLAIM")], [(1, 0)]),
        task_for(T3, []),
        task_for(T4, [(0, 14, "ACTOR"), (21, 28, "WEAPON"), (0, 40, "CLAIM"), (46, 50, "SOURCE")], [(2, 3)]),
        task_for(T5, [(3, 10, "ACTOR")]),
        {"data": {"text": T6_RAW, "doc_id": "pull-t6", "meta": {"outlet": "raw", "lang": "en"}}},
    ]
    ids = studio.import_tasks(proj.id, tasks)
    preds = prediction_ids(studio, ids)
    second = raw_sdk(studio).users.create(email=SECOND, username="annotator2-pull").id
    t1, t2, t3, t4, _t5, t6 = ids
    a, t = T1, T1.text
    studio.create_annotation(
        t1,
        lead_time=41.5,
        parent_prediction=preds[t1],
        result=[
            region(t, rid(a, 0, 12, "SOURCE"), 4, 12, "SOURCE", "prediction-changed"),  # "The Pentagon" -> "Pentagon"
            region(t, rid(a, 27, 33, "WEAPON"), 22, 33, "WEAPON", "prediction-changed"),  # "drones" -> "MQ-9 drones"
            region(t, rid(a, 18, 59, "CLAIM"), 18, 59, "CLAIM", "prediction"),  # kept; ACTOR "Yemen" deleted
            region(t, "manual-actor", 4, 12, "ACTOR"),  # added
            arrow(rid(a, 18, 59, "CLAIM"), rid(a, 0, 12, "SOURCE")),
        ],
    )
    a, t = T2, T2.text
    studio.create_annotation(
        t2,
        lead_time=30.0,
        parent_prediction=preds[t2],
        result=[
            region(t, rid(a, 8, 17, "SOURCE"), 7, 17, "SOURCE", "prediction-changed"),  # " officials": whitespace edge
            region(t, rid(a, 25, 52, "CLAIM"), 25, 52, "CLAIM", "prediction", stored="Drones hit Od\u00e9sa overnight"),  # NFC value.text
            region(t, "w-drone", 25, 30, "WEAPON"),  # "Drone": not a token boundary
            region(t, "a-zel", 68, 87, "ACTOR", stored="President Zelenskyy"),  # UTF-16 offsets
            region(t, "bad-label", 0, 4, "PLACE"),
            region(t, "bad-range", 90, 120, "ACTOR", stored="it."),
            arrow(rid(a, 25, 52, "CLAIM"), rid(a, 8, 17, "SOURCE"), label=None),  # unlabelled
            arrow("a-zel", rid(a, 8, 17, "SOURCE")),  # ACTOR -> SOURCE: wrong labels
        ],
    )
    studio.create_annotation(t3, result=[], was_cancelled=True, parent_prediction=preds[t3])
    a, t = T4, T4.text
    common = [
        region(t, rid(a, 21, 28, "WEAPON"), 21, 28, "WEAPON", "prediction"),
        region(t, rid(a, 0, 40, "CLAIM"), 0, 40, "CLAIM", "prediction"),
        region(t, rid(a, 46, 50, "SOURCE"), 46, 50, "SOURCE", "prediction"),
        arrow(rid(a, 0, 40, "CLAIM"), rid(a, 46, 50, "SOURCE")),
    ]
    studio.create_annotation(
        t4, lead_time=20.0, parent_prediction=preds[t4], ground_truth=True, result=[region(t, rid(a, 0, 14, "ACTOR"), 0, 14, "ACTOR", "prediction"), *common]
    )
    studio.create_annotation(
        t4,
        lead_time=12.0,
        parent_prediction=preds[t4],
        completed_by=second,
        result=[region(t, rid(a, 0, 14, "ACTOR"), 0, 5, "ACTOR", "prediction-changed"), *common],
    )
    studio.create_annotation(t6, lead_time=5.0, result=[region(T6_RAW, "src", 11, 17, "SOURCE")])
    return proj, dict(zip(("t1", "t2", "t3", "t4", "t5", "t6"), ids))


@pytest.fixture(scope="module")
def latest(project, ls_env, tmp_path_factory):
    """`labeling pull` run as a user would, default policy."""
    cwd = tmp_path_factory.mktemp("pull-cli")
    r = run_cli(["pull", "--project", "pull-tests-records", "--dataset", "records", "--silent"], env=ls_env, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r, cwd / "exports" / "records" / "v0001", read_all(cwd / "exports" / "records" / "v0001")


def read_all(vdir: Path) -> dict[str, dict]:
    out = {}
    for split in ("train", "dev", "test"):
        for line in (vdir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            out[rec["id"]] = rec
    return out


def spans_of(rec: dict) -> list[tuple]:
    return [(s["start"], s["end"], s["label"], s["text"]) for s in rec["spans"]]


def test_corrected_added_and_deleted_regions(latest, project):
    _, _, recs = latest
    rec = recs["pull-t1"]
    assert spans_of(rec) == [
        (4, 12, "ACTOR", "Pentagon"),
        (4, 12, "SOURCE", "Pentagon"),
        (18, 59, "CLAIM", "two MQ-9 drones were shot down over Yemen"),
        (22, 33, "WEAPON", "MQ-9 drones"),
    ]
    assert [(s["token_start"], s["token_end"]) for s in rec["spans"]] == [(1, 1), (1, 1), (3, 10), (4, 5)]
    assert rec["relations"] == [
        {"head_span": rid(T1, 18, 59, "CLAIM"), "child_span": rid(T1, 4, 12, "SOURCE"), "label": "attributed_to", "head": 10, "child": 1}
    ]
    meta = rec["meta"]
    assert meta["regions"] == {"kept": 1, "changed": 2, "added": 1, "deleted": 1}
    assert meta["model_version"] == MV and meta["lead_time"] == 41.5 and meta["annotator"] == "admin@labeling.local"
    assert meta["task_id"] == project[1]["t1"] and meta["project_id"] == project[0].id
    assert meta["doc"] == {"outlet": "wire", "lang": "en"} and meta["content_hash"] == T1.hash
    assert rec["input_hash"] == content_hash(T1.text) and rec["misaligned"] == [] and rec["annotations"] == []
    assert rec["suggestion"]["model_version"] == MV
    assert [(s["start"], s["end"], s["label"]) for s in rec["suggestion"]["spans"]] == [
        (0, 12, "SOURCE"),
        (18, 59, "CLAIM"),
        (27, 33, "WEAPON"),
        (54, 59, "ACTOR"),
    ]
    assert rec["tokens"][4] == {"text": "MQ-9", "start": 22, "end": 26, "id": 4, "ws": True}


def test_emoji_accents_and_crlf_keep_exact_offsets(latest):
    _, _, recs = latest
    rec = recs["pull-t2"]
    text = rec["text"]
    assert text == T2_RAW.replace("\r\n", "\n") and "\r" not in text
    assert spans_of(rec) == [
        (8, 17, "SOURCE", "officials"),
        (25, 30, "WEAPON", "Drone"),
        (25, 52, "CLAIM", "Drones hit Ode\u0301sa overnight"),
        (64, 83, "ACTOR", "President Zelenskyy"),
    ]
    for s in rec["spans"]:
        assert text[s["start"] : s["end"]] == s["text"]
    assert rec["misaligned"] == [rid(T2, 25, 30, "WEAPON")]
    assert [(s["token_start"], s["token_end"]) for s in rec["spans"]] == [(3, 3), (8, 8), (8, 11), (18, 19)]
    # The unlabelled relation counts as attributed_to; ACTOR -> SOURCE is dropped.
    assert rec["relations"] == [
        {"head_span": rid(T2, 25, 52, "CLAIM"), "child_span": rid(T2, 8, 17, "SOURCE"), "label": "attributed_to", "head": 11, "child": 3}
    ]
    raw = recs["pull-t6"]
    assert raw["text"] == "Line one.\nRussia said it." and spans_of(raw) == [(10, 16, "SOURCE", "Russia")]
    assert raw["meta"]["model_version"] is None and raw["suggestion"] is None and raw["meta"]["regions"]["deleted"] is None


def test_invalid_items_are_reported_with_task_and_annotation(latest, project):
    r, vdir, _ = latest
    t2 = project[1]["t2"]
    for kind in (
        "whitespace-edge (trimmed)",
        "text-mismatch (kept)",
        "utf16-offsets (converted)",
        "unknown-label (dropped)",
        "out-of-range (dropped)",
        "relation-wrong-labels (dropped)",
    ):
        lines = [l for l in r.stderr.splitlines() if l.startswith(kind)]
        assert len(lines) == 1, (kind, r.stderr)
        assert f"task {t2} annotation " in lines[0] and "doc pull-t2" in lines[0]
    assert "1 span not on token boundaries" in r.stderr
    manifest = json.loads((vdir / "manifest.json").read_text())
    assert manifest["summary"]["issues"] == {
        "out-of-range/dropped": 1,
        "relation-wrong-labels/dropped": 1,
        "text-mismatch/kept": 1,
        "unknown-label/dropped": 1,
        "utf16-offsets/converted": 1,
        "whitespace-edge/trimmed": 1,
    }
    assert manifest["summary"]["misaligned_spans"] == 1


def test_skipped_and_unannotated_tasks_are_left_out_and_counted(latest):
    r, vdir, recs = latest
    assert sorted(recs) == ["pull-t1", "pull-t2", "pull-t4", "pull-t6"]
    assert "Tasks: 6 in the project, 4 annotated, 1 skipped (only cancelled annotations), 1 not annotated; 2 left out." in r.stdout
    progress = json.loads((vdir / "manifest.json").read_text())["progress"]
    assert progress["tasks"] == {"total": 6, "annotated": 4, "skipped": 1, "unannotated": 1}
    assert progress["annotators"]["admin@labeling.local"] == {"done": 4, "skipped": 1, "lead_time_total": 96.5, "lead_time_median": 25.0}
    assert progress["annotators"][SECOND] == {"done": 1, "skipped": 0, "lead_time_total": 12.0, "lead_time_median": 12.0}


def test_two_annotators_under_each_policy(latest, studio, tmp_path):
    _, _, recs = latest
    rec = recs["pull-t4"]  # latest: the second annotator's, who shortened the ACTOR
    assert spans_of(rec) == [
        (0, 5, "ACTOR", "Hamas"),
        (0, 40, "CLAIM", "Hamas fighters fired rockets at Ashkelon"),
        (21, 28, "WEAPON", "rockets"),
        (46, 50, "SOURCE", "army"),
    ]
    assert rec["meta"]["annotator"] == SECOND and rec["meta"]["regions"] == {"kept": 3, "changed": 1, "added": 0, "deleted": 0}
    assert [(a["annotator"], a["ground_truth"], [s["end"] for s in a["spans"] if s["label"] == "ACTOR"]) for a in rec["annotations"]] == [
        ("admin@labeling.local", True, [14]),
        (SECOND, False, [5]),
    ]

    gt = pull(studio, dataset="gt", project="pull-tests-records", policy="ground-truth", exports_dir=tmp_path)
    rec = read_all(gt.path)["pull-t4"]
    assert spans_of(rec)[0] == (0, 14, "ACTOR", "Hamas fighters") and rec["meta"]["ground_truth"] is True

    maj = pull(studio, dataset="maj", project="pull-tests-records", policy="majority", exports_dir=tmp_path)
    rec = read_all(maj.path)["pull-t4"]
    assert [s[2] for s in spans_of(rec)] == ["CLAIM", "WEAPON", "SOURCE"]  # the two ACTORs disagree
    assert len(rec["relations"]) == 1 and len(rec["meta"]["annotation_ids"]) == 2
    assert read_all(maj.path)["pull-t1"]["spans"] == read_all(gt.path)["pull-t1"]["spans"]  # one annotator: same


def test_majority_needs_more_than_half():
    def s(start, label="ACTOR"):
        return Span(start, start + 3, label, "abc", f"{start}{label}")

    a, b, c = [s(0), s(10)], [s(0), s(20)], [s(0), s(10)]
    spans, _ = majority([(a, []), (b, []), (c, [])])
    assert [x.start for x in spans] == [0, 10]
    spans, _ = majority([(a, []), (b, [])])
    assert [x.start for x in spans] == [0]


def test_record_lines_are_sorted_utf8_json(latest):
    _, vdir, _ = latest
    for split in ("train", "dev", "test"):
        lines = (vdir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        ids = [json.loads(l)["id"] for l in lines]
        assert ids == sorted(ids)
        for line in lines:
            assert list(json.loads(line)) == sorted(json.loads(line)) and "\\u" not in line


def test_unknown_project_names_similar_titles(ls_env, tmp_path, project):
    r = run_cli(["pull", "--project", "pull-tests-record", "--dataset", "x"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1
    assert "No project titled exactly 'pull-tests-record'" in r.stderr and "'pull-tests-records'" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "exports" / "x").exists()


def test_nothing_to_pull_says_what_to_do(studio, tmp_path, ls_env):
    proj = ensure_project(studio, default_scheme(), title="pull-tests-empty").project
    studio.import_tasks(proj.id, [task_for(Document.make("e1", "Not annotated."), [])])
    with pytest.raises(NothingToPull):
        pull(studio, dataset="empty", project_id=proj.id, exports_dir=tmp_path)
    r = run_cli(["pull", "--project-id", str(proj.id), "--dataset", "empty"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1 and "Annotate some tasks in Label Studio first, then pull again." in r.stderr
    assert list((tmp_path / "empty").iterdir()) == [] and not (tmp_path / "exports" / "empty" / "v0001").exists()


def test_suggestion_is_the_prediction_the_annotator_started_from(studio, ls_env, tmp_path):
    """After a push of a newer model_version, an annotation that started from the older
    prediction still records that older prediction as its suggestion."""
    from labeling.push.tasks import push_tasks

    doc = Document.make("mv-t1", "Russian forces fired Kalibr missiles, the ministry said.")
    proj = ensure_project(studio, default_scheme(), title="pull-tests-model-versions").project
    push_tasks(iter([task_for(doc, [(0, 14, "ACTOR")], model_version="mv-old")]), studio, proj.id)
    push_tasks(iter([task_for(doc, [(0, 14, "ACTOR"), (21, 36, "WEAPON")], model_version="mv-new")]), studio, proj.id)
    assert studio.get_project(proj.id).model_version == "mv-new"
    (task,) = [t for t in raw_sdk(studio).tasks.list(project=proj.id, fields="all")]
    old = next(p for p in task.predictions if (p["model_version"] if isinstance(p, dict) else p.model_version) == "mv-old")
    old_id = old["id"] if isinstance(old, dict) else old.id
    studio.create_annotation(
        task.id, lead_time=3.0, parent_prediction=old_id, result=[region(doc.text, rid(doc, 0, 14, "ACTOR"), 0, 14, "ACTOR", "prediction")]
    )
    r = run_cli(["pull", "--project", "pull-tests-model-versions", "--dataset", "mv", "--silent"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (rec,) = read_all(tmp_path / "exports" / "mv" / "v0001").values()
    assert rec["suggestion"]["model_version"] == "mv-old"
    assert [(s["start"], s["end"], s["label"]) for s in rec["suggestion"]["spans"]] == [(0, 14, "ACTOR")]
    assert rec["meta"]["model_version"] == "mv-old"
    assert rec["meta"]["regions"] == {"kept": 1, "changed": 0, "added": 0, "deleted": 0}


def test_no_secret_in_any_written_file(latest, ls_home):
    """The API token and password appear in no manifest, record, card or changelog."""
    creds = json.loads((ls_home / "credentials.json").read_text())
    _, vdir, _ = latest
    files = list(vdir.iterdir())
    assert {"manifest.json", "train.jsonl", "README.md", "CHANGES.md"} <= {f.name for f in files}
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        assert creds["token"] not in text and creds["password"] not in text, f.name
    assert json.loads((vdir / "manifest.json").read_text())["label_studio"]["url"].startswith("http://127.0.0.1:")
