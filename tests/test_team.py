"""A team on Label Studio Community: accounts, overlap, agreement, review and the adjudicated pull.

Against the real server: two annotator accounts made by `labeling team add`,
each logging in with its own password to get its own API token, annotate the
same six documents. They disagree on three (A, B, C) and agree on three. The
admin (a real user too) is the reviewer in the review project.

Hand-computed agreement (Krippendorff's alpha on characters, nominal):

    text of 10 characters; annotator 1: ACTOR [0, 4); annotator 2: ACTOR [2, 6)
    runs   0-1: 1/0   2-3: 1/1   4-5: 0/1   6-9: 0/0
    o01 = 2 + 2 = 4;  n1 = 2 + 4 + 2 = 8;  n0 = 2 + 0 + 2 + 8 = 12;  n = 20
    alpha = 1 - (n - 1) * o01 / (n0 * n1) = 1 - 19 * 4 / 96 = 0.208333...
    a third annotator with ACTOR [0, 4):  o01 = 2*2/2 + 2*2/2 = 4, n0 = 18, n1 = 12, n = 30
    alpha = 1 - 29 * 4 / 216 = 0.462963...
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from labeling.datasets.store import iter_records, read_manifest
from labeling.errors import ConfigConflict, InputError, LabelingError
from labeling.quality.agreement import TeamAgreement
from labeling.records import Document, Span
from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import create_from_scheme
from labeling.studio.users import read_password_file

from .conftest import run_cli
from .helpers import arrow, make_tasks, raw_sdk, region, rid

RUN = uuid.uuid4().hex[:6]  # the reused development server keeps accounts between runs


def actor(start: int, end: int) -> Span:
    return Span(start, end, "ACTOR", "", f"a{start}-{end}")


def test_alpha_and_pairwise_f1_match_the_hand_computed_example():
    two = TeamAgreement(labels=("ACTOR",))
    two.add(10, {"ann1": ([actor(0, 4)], []), "ann2": ([actor(2, 6)], [])})
    assert two.alphas()["ACTOR"] == pytest.approx(1 - 19 * 4 / 96)
    pair = two.pairs[("ann1", "ann2")]
    assert pair.span_exact["ACTOR"].f1 == 0.0 and pair.span_overlap["ACTOR"].f1 == 1.0

    three = TeamAgreement(labels=("ACTOR",))
    three.add(10, {"ann1": ([actor(0, 4)], []), "ann2": ([actor(2, 6)], []), "ann3": ([actor(0, 4)], [])})
    assert three.alphas()["ACTOR"] == pytest.approx(1 - 29 * 4 / 216)
    assert len(three.pairs) == 3 and three.pairs[("ann1", "ann3")].span_exact["ACTOR"].f1 == 1.0

    same = TeamAgreement(labels=("ACTOR", "WEAPON"))
    same.add(10, {"ann1": ([actor(0, 4)], []), "ann2": ([actor(0, 4)], [])}, gold=([actor(0, 4)], []))
    assert same.alphas() == {"ACTOR": 1.0, "WEAPON": None}  # nobody used WEAPON: alpha undefined, not 1
    assert same.vs_gold["ann1"].micro("exact").f1 == 1.0


def test_a_password_file_others_can_read_is_refused(tmp_path):
    f = tmp_path / "pw"
    f.write_text("a-long-enough-password\n")
    f.chmod(0o644)
    with pytest.raises(InputError, match="mode 600"):
        read_password_file(f)
    f.chmod(0o600)
    assert read_password_file(f) == "a-long-enough-password"


def _ok(args: list[str], env: dict[str, str]) -> str:
    r = run_cli(args, env=env)
    assert r.returncode == 0, f"labeling {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def team(studio: Studio, ls_env, ls_home, tmp_path_factory):
    """Two annotator accounts made by the CLI; (email, own Studio connection) each."""
    given = tmp_path_factory.mktemp("pw") / "ann1.password"
    fd = os.open(given, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, f"given-password-{RUN}\n".encode())
    os.close(fd)
    emails = [f"ann1-{RUN}@example.org", f"ann2-{RUN}@example.org"]
    out1 = _ok(["team", "add", emails[0], "--password-file", str(given)], ls_env)
    out2 = _ok(["team", "add", emails[1]], ls_env)
    generated = Path(ls_home) / "team" / f"{emails[1]}.password"
    assert str(generated) in out2 and (generated.stat().st_mode & 0o777) == 0o600
    passwords = [given.read_text().strip(), generated.read_text().strip()]
    assert passwords[0] not in out1 and passwords[1] not in out2  # never printed
    again = run_cli(["team", "add", emails[0].upper()], env=ls_env)
    assert again.returncode == 1 and "already has an account" in again.stderr
    return [(e, Studio(studio.url, Studio.login_token(studio.url, e, p))) for e, p in zip(emails, passwords, strict=True)]


def _version(doc: Document, text: str, claim: str, source: str) -> list[dict]:
    """A CLAIM -> SOURCE annotation on the phrases given."""
    c0, s0 = text.index(claim), text.index(source)
    c, s = (c0, c0 + len(claim), "CLAIM"), (s0, s0 + len(source), "SOURCE")
    return [region(text, rid(doc, *c), *c), region(text, rid(doc, *s), *s), arrow(rid(doc, *c), rid(doc, *s))]


def test_two_annotators_review_and_adjudicated_pull(studio: Studio, team, ls_env, tmp_path):
    scheme = default_scheme()
    title = f"team-{RUN}"
    project = create_from_scheme(studio, scheme, title)
    tasks = make_tasks(6, prefix=f"team{RUN}")
    task_ids = studio.import_tasks(project.id, tasks)
    assert "each document goes to 2 annotator(s), for 100 %" in _ok(["team", "overlap", "2", "--project", title], ls_env)
    assert studio.overlap(project.id) == (2, 100)

    # Nobody has annotated twice yet: review says how to set overlap, and writes nothing.
    r = run_cli(["review", "--project", title], env=ls_env)
    assert r.returncode == 1 and "two annotations" in r.stderr and "labeling team overlap 2" in " ".join(r.stderr.split())
    assert studio.find_project(f"{title} (review)") is None

    docs = [Document.make(t["data"]["doc_id"], t["data"]["text"]) for t in tasks]
    (e1, ann1), (e2, ann2) = team
    for i, (doc, task_id) in enumerate(zip(docs, task_ids, strict=True)):
        claim = doc.text[doc.text.index('"') + 1 : doc.text.rindex('"')]
        ann1.create_annotation(task_id, result=_version(doc, doc.text, claim, "army"), lead_time=5.0)
        # On the first three the second annotator takes "the army" as the source: a boundary disagreement.
        ann2.create_annotation(task_id, result=_version(doc, doc.text, claim, "the army" if i < 3 else "army"), lead_time=7.0)

    listed = _ok(["team", "list"], ls_env)
    assert all(f"{title}: 6" in line for line in listed.splitlines() if e1 in line or e2 in line) and e1 in listed

    # A review project whose config is not the scheme is refused before anything is written.
    odd = studio.create_project(title=f"{title} odd", label_config="<View><Text name='text' value='$text'/></View>", instructions_html="", description="")
    with pytest.raises(ConfigConflict, match="does not use the label scheme"):
        from labeling.review.run import review

        review(studio, project=title, review_project=odd.title)
    assert studio.get_project(odd.id).task_count == 0

    first = _ok(["review", "--project", title], ls_env)
    assert "6 document(s) with 2+ annotations: 3 agreed, 3 disagree; 3 added" in first
    rp = studio.find_project(f"{title} (review)")
    assert rp is not None
    held = list(raw_sdk(studio).tasks.list(project=rp.id, fields="all"))
    assert sorted(t.data["doc_id"] for t in held) == sorted(d.id for d in docs[:3])
    for t in held:
        versions = {p["model_version"] if isinstance(p, dict) else p.model_version for p in t.predictions}
        assert versions == {"agreed", e1, e2}  # each annotator's version, and the starting point

    assert "0 added to existing review project" in _ok(["review", "--project", title], ls_env)

    # The reviewer (the admin) decides: the CLAIM and "the army" as the source, on all three.
    for t in held:
        doc = Document.make(t.data["doc_id"], t.data["text"])
        claim = doc.text[doc.text.index('"') + 1 : doc.text.rindex('"')]
        studio.create_annotation(t.id, result=_version(doc, doc.text, claim, "the army"), lead_time=3.0)

    # An annotator changes their mind on a reviewed document: listed, not re-queued.
    mine = next(a for a in raw_sdk(studio).annotations.list(id=task_ids[0]) if a.completed_by == user_id(studio, e1))
    raw_sdk(ann1).annotations.update(id=mine.id, result=_version(docs[0], docs[0].text, "drones", "army"))
    again = run_cli(["review", "--project", title], env=ls_env)
    assert again.returncode == 0 and "0 added" in again.stdout and "1 document(s) changed after their review task was made" in again.stderr
    assert docs[0].id in again.stderr

    # A threshold: "army" vs "the army" differs by 2 spans + 2 relations; doc 0 now also by its CLAIM (6).
    big = _ok(["review", "--project", title, "--review-project", f"{title} big", "--min-disagreement", "5"], ls_env)
    assert "3 disagree (2 by less than --min-disagreement); 1 added to created review project" in big

    exports = tmp_path / "exports"
    pulled = _ok(["pull", "--project", title, "--dataset", "team", "--policy", "adjudicated", "--exports-dir", str(exports), "--ratios", "1,0,0"], ls_env)
    assert "adjudicated 3, agreed 3, single 0" in pulled
    (vdir,) = (exports / "team").iterdir()
    records = {r["id"]: r for r in iter_records(vdir, "train")}
    assert len(records) == 6
    for doc in docs[:3]:
        rec = records[doc.id]
        assert rec["meta"]["rule"] == "adjudicated" and rec["meta"]["reviewer"] == "admin@labeling.local"
        assert sorted(rec["meta"]["annotators"]) == sorted([e1, e2])
        assert {s["text"] for s in rec["spans"] if s["label"] == "SOURCE"} == {"the army"}
    for doc in docs[3:]:
        rec = records[doc.id]
        assert rec["meta"]["rule"] == "agreed" and rec["meta"]["reviewer"] is None
        assert {s["text"] for s in rec["spans"] if s["label"] == "SOURCE"} == {"army"}
    assert read_manifest(vdir)["adjudication"]["documents"]["adjudicated"] == 3
    assert "3 document(s) adjudicated by a reviewer, 3 agreed by every annotator" in " ".join((vdir / "README.md").read_text().split())

    # The report on that version: alpha per label, the pair, and each annotator against the adjudicated gold.
    q = json.loads(_ok(["report", f"team@{vdir.name}", "--exports-dir", str(exports), "--json", "--out", str(tmp_path / "rep")], ls_env))
    team_q = q["team"]
    assert team_q["documents"] == 6 and team_q["gold_documents"] == 3
    assert team_q["pairs"][0]["annotators"] == sorted([e1, e2])
    assert team_q["alpha"]["SOURCE"] < 1.0 and team_q["alpha"]["CLAIM"] < 1.0  # doc 0's CLAIM changed after review
    # On the three adjudicated documents the second annotator matched the reviewer's SOURCE, the first never did.
    assert team_q["vs_gold"][e2]["exact"]["labels"]["SOURCE"] == 1.0 and team_q["vs_gold"][e1]["exact"]["labels"]["SOURCE"] == 0.0
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Krippendorff's alpha" in page.replace("&#x27;", "'") and "Each annotator against the adjudicated gold, 3 document(s)" in page


def user_id(studio: Studio, email: str) -> int:
    return next(m.id for m in studio.members() if m.email == email)


def test_review_of_an_unknown_project_names_it(studio: Studio, ls_env):
    r = run_cli(["review", "--project", f"no such project {RUN}"], env=ls_env)
    assert r.returncode == 1 and "No project titled exactly" in r.stderr
    with pytest.raises(LabelingError, match="at least 1"):
        from labeling.review.run import review

        review(studio, project="whatever", min_disagreement=0)
