"""`labeling train`: a small version pulled from the real Label Studio, trained, loaded, used to pre-annotate and push."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import add_documents

TITLE = "train-test sample"
TINY = "train-test tiny"
EPOCHS = "4"  # enough to exercise the loop; the quality numbers come from benchmarks/rounds.py


def gold() -> list[dict]:
    return [json.loads(l) for l in (REPO / "data" / "sample" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def work(studio: Studio, ls_env, tmp_path_factory) -> Path:
    """exports/sample (26 annotated documents) and exports/tiny (3), pulled from the test server."""
    cwd = tmp_path_factory.mktemp("train")
    recs = gold()
    for title, dataset, docs in ((TITLE, "sample", recs), (TINY, "tiny", recs[:3])):
        proj = ensure_project(studio, default_scheme(), title=title).project
        add_documents(studio, proj.id, docs)
        r = run_cli(["pull", "--project", title, "--dataset", dataset, "--ratios", "0.6,0.2,0.2", "--silent"], env=ls_env, cwd=cwd)
        assert r.returncode == 0, r.stderr
    return cwd


@pytest.fixture(scope="module")
def trained(work) -> tuple[Path, subprocess.CompletedProcess]:
    r = run_cli(["train", "sample@v1", "--max-epochs", EPOCHS], cwd=work)
    assert r.returncode == 0, r.stderr
    return work / "models" / "sample-v0001", r


def test_train_writes_a_loadable_model_with_its_provenance(trained, work):
    out, r = trained
    manifest = work / "exports" / "sample" / "v0001" / "manifest.json"
    ev = json.loads((out / "eval.json").read_text())
    meta = json.loads((out / "meta.json").read_text())
    version = meta["conflict_model_version"]
    assert version.startswith("sample-v0001-") and len(version) == len("sample-v0001-") + 8
    info = meta["labeling"]
    import hashlib

    assert info["dataset"] == "sample@v0001"
    assert info["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert info["config_sha256"] == hashlib.sha256((REPO / "configs" / "train.cfg").read_bytes()).hexdigest()
    assert set(info["test"]["trained"]["exact"]) == {"ACTOR", "WEAPON", "CLAIM", "SOURCE", "relations"}
    # eval.json: trained vs rules on the same test split, per label, both match rules, relations
    assert ev["split"] == "test" and ev["documents"]["test"] > 0
    for side in ("rules", "trained"):
        for mode in ("exact", "overlap"):
            assert set(ev[side]["scores"][mode]["labels"]) == {"ACTOR", "WEAPON", "CLAIM", "SOURCE"}
            assert "f1" in ev[side]["scores"][mode]["relations"]
    assert ev["trained"]["model_version"] == version
    # the printed table names every label and the saved place
    for label in ("ACTOR", "WEAPON", "CLAIM", "SOURCE", "relations"):
        assert label in r.stdout
    assert "models/sample-v0001" in r.stdout
    assert not [p for p in (work / "models").iterdir() if p.name.startswith(".")], "no temporary directory left behind"

    # plain spacy.load, in a fresh interpreter that never imports labeling itself
    code = (
        "import json, spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "doc = nlp('Russia fired 40 Shahed drones at Kyiv overnight, the Ukrainian air force said.'); "
        "print(json.dumps([nlp.meta['conflict_model_version'], nlp.component_names, doc._.conflict]))"
    )
    p = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    mv, components, found = json.loads(p.stdout)  # learned components the chosen policy ignores are saved disabled
    assert mv == version and components[-1] == "conflict_merge" and {"conflict_ner", "span_finder", "spancat"} <= set(components)
    assert {r[2] for r in found["regions"]} >= {"WEAPON", "SOURCE", "CLAIM"} and found["relations"]


def test_preannotate_and_push_with_the_trained_model(trained, work, studio, ls_env):
    out, _ = trained
    version = json.loads((out / "meta.json").read_text())["conflict_model_version"]
    articles = REPO / "data" / "sample" / "articles"
    r = run_cli(["preannotate", str(articles), "-o", str(work / "tasks.jsonl"), "--model", str(out)], cwd=work)
    assert r.returncode == 0, r.stderr
    tasks = [json.loads(l) for l in (work / "tasks.jsonl").read_text().splitlines()]
    assert len(tasks) == 26 and {t["predictions"][0]["model_version"] for t in tasks} == {version}

    proj = studio.find_project(TITLE)
    assert proj is not None
    before = studio.model_versions(proj.id)
    assert version not in before
    r = run_cli(["push", str(articles), "--project", TITLE, "--model", str(out)], env=ls_env, cwd=work)
    assert r.returncode == 0, r.stderr
    assert version in studio.model_versions(proj.id)
    preds = studio.project_predictions(proj.id)
    assert len(preds) == 26
    for task_preds in preds.values():  # the new suggestions are added next to the old ones, once per task
        assert [p["model_version"] for p in task_preds].count(version) == 1 and len(task_preds) == 2


def test_same_dataset_config_and_seed_give_the_same_scores(trained, work):
    out, _ = trained
    again = work / "models" / "again"
    r = run_cli(["train", "sample@v1", "--max-epochs", EPOCHS, "-o", str(again), "--silent"], cwd=work)
    assert r.returncode == 0, r.stderr
    first, second = (json.loads((d / "eval.json").read_text()) for d in (out, again))
    assert first == second
    assert "epoch" not in r.stdout + r.stderr  # --silent


def test_curve_prints_each_fraction(work):
    r = run_cli(["train", "sample", "--curve", "--max-epochs", "2", "--silent"], cwd=work)
    assert r.returncode == 0, r.stderr
    rows = [l.split() for l in r.stdout.splitlines()]
    fractions = [row[0] for row in rows if row and row[0].endswith("%")]
    assert fractions == ["25%", "50%", "75%", "100%"]
    docs = [int(row[1]) for row in rows if row and row[0].endswith("%")]
    assert docs == sorted(docs) and docs[0] < docs[-1]
    assert not (work / "models" / "sample-v0001-curve").exists()


def test_existing_output_is_refused_then_replaced_with_force(trained, work):
    out, _ = trained
    marker = out / "keep-me"
    marker.write_text("x")
    r = run_cli(["train", "sample@v1", "--max-epochs", "1", "--silent"], cwd=work)
    assert r.returncode == 1 and "already exists" in r.stderr and "--force" in r.stderr
    assert marker.exists(), "the existing model is untouched"
    shutil.copytree(out, work / "models" / "forced")  # a model of its own to replace; the module's `trained` stays as it is
    (work / "models" / "forced" / "keep-me").write_text("x")
    r = run_cli(["train", "sample@v1", "--max-epochs", "1", "--silent", "--force", "-o", str(work / "models" / "forced")], cwd=work)
    assert r.returncode == 0, r.stderr
    assert not (work / "models" / "forced" / "keep-me").exists()
    assert json.loads((work / "models" / "forced" / "meta.json").read_text())["labeling"]["overrides"] == {"training.max_epochs": 1}  # the new model


@pytest.mark.parametrize(
    "args, message",
    [
        (["nonexistent"], "No dataset 'nonexistent'"),
        (["sample@v7"], "has no version 'v7'"),
        (["tiny"], "too small to train"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(work, args, message):
    r = run_cli(["train", *args, "--silent"], cwd=work)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr
    if args == ["tiny"]:
        assert "at least" in r.stderr  # says how many are needed
    assert not (work / "models" / "tiny-v0001").exists()
    assert not [p for p in (work / "models").glob(".*")]


def test_a_version_made_with_another_scheme_is_refused(work, tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(REPO / "configs", configs)
    with open(configs / "scheme.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# edited after the version was pulled\n")
    env = {**__import__("os").environ, "LABELING_CONFIGS": str(configs), "COLUMNS": "200"}
    r = run_cli(["train", "sample@v1", "--silent", "-o", str(tmp_path / "m")], env=env, cwd=work)
    assert r.returncode == 1
    assert "another label scheme" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m").exists()


def test_export_spacy_relations_load_in_the_rel_component_format(work, tmp_path):
    import spacy
    from spacy.tokens import Doc, DocBin

    r = run_cli(["export-spacy", "sample@v1", "-o", str(tmp_path / "corpus")], cwd=work)
    assert r.returncode == 0, r.stderr
    if not Doc.has_extension("rel"):
        Doc.set_extension("rel", default={})
    docs = list(DocBin().from_disk(tmp_path / "corpus" / "train.spacy").get_docs(spacy.blank("en").vocab))
    positives = [(doc, k) for doc in docs for k, v in doc._.rel.items() if v["attributed_to"] == 1.0]
    assert positives
    for doc, (claim, source) in positives:  # keys are token starts of a CLAIM and a SOURCE span
        starts = {(s.start, s.label_) for s in doc.spans["sc"]}
        assert (claim, "CLAIM") in starts and (source, "SOURCE") in starts


def test_learned_components_the_policy_ignores_are_switched_off():
    from labeling.train.run import unused_components

    rules = dict.fromkeys(("ACTOR", "WEAPON", "CLAIM", "SOURCE"), "rules")
    assert unused_components(rules) == ["conflict_reset_ents", "conflict_ner", "span_finder", "spancat", "learned_ruler"]
    assert unused_components({**rules, "ACTOR": "union"}) == ["span_finder", "spancat"]
    assert unused_components({**rules, "ACTOR": "names", "CLAIM": "learned"}) == ["conflict_reset_ents", "conflict_ner"]


def test_a_learned_gain_resting_on_one_dev_document_does_not_replace_the_rules():
    """The dev bootstrap: a gain in every dev document wins every resample; a gain in one of three documents does not."""
    from labeling.quality.metrics import PRF, Scores
    from labeling.train.run import MIN_WIN_SHARE, win_share

    def docs(*counts):
        return [Scores(span_exact={"ACTOR": PRF(*c)}) for c in counts]

    rules = docs((5, 1, 1), (5, 1, 1), (5, 1, 1))
    better_everywhere = docs((6, 0, 0), (6, 0, 0), (6, 0, 0))
    better_once = docs((6, 0, 0), (5, 1, 1), (5, 1, 1))
    assert win_share(rules, better_everywhere, "ACTOR") == 1.0
    once = win_share(rules, better_once, "ACTOR")
    assert 0.6 < once < MIN_WIN_SHARE  # wins only where the one document is drawn: 1 - (2/3)^3 = 0.70
    assert win_share(rules, better_once, "ACTOR") == once  # seeded: the same dev split gives the same choice
    assert win_share(rules, rules, "ACTOR") == 0.0  # a tie is not a win


def test_spacy_style_config_overrides_reach_the_training_config(work):
    """`--training.max_epochs 1 --components.spancat.threshold 0.4` as `spacy train` takes them: saved in the
    model's spancat config and provenance, and a different override gives a different model_version."""
    out = work / "models" / "overridden"
    r = run_cli(["train", "sample@v1", "--training.max_epochs", "1", "--components.spancat.threshold", "0.4", "-o", str(out), "--silent"], cwd=work)
    assert r.returncode == 0, r.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert meta["labeling"]["overrides"] == {"training.max_epochs": 1, "components.spancat.threshold": 0.4}
    assert json.loads((out / "spancat" / "cfg").read_text())["threshold"] == 0.4
    other = work / "models" / "overridden-2"
    r = run_cli(["train", "sample@v1", "--training.max_epochs", "1", "--components.spancat.threshold", "0.5", "-o", str(other), "--silent"], cwd=work)
    assert r.returncode == 0, r.stderr
    assert json.loads((other / "meta.json").read_text())["conflict_model_version"] != meta["conflict_model_version"]
