"""Benchmark: rounds of annotation through a real Label Studio, rules alone vs rules plus the project memory.

The gold corpus is shuffled once and cut into rounds of K documents. Each round:
  1. the project's memory is built from Label Studio (labeling/learn/build.py) from
     the annotations submitted so far (round 0: none, so the suggestions are the rules');
  2. the round's documents are pre-annotated by the rules, the memory applied, and
     pushed (the rules+memory prediction is what annotators see);
  3. each gold annotation is submitted through the API as the annotator's correction,
     with `parent_prediction` set to that prediction (what a submit in the UI sends);
  4. the rules alone and rules+memory are scored against the gold on the same
     documents: precision/recall/F1 per label (exact and overlap) and the edits
     (relabelled + boundary + deleted + added regions) per document.
The memory's thresholds are also varied on the same store (what each costs and gains),
and the time of applying the memory is printed against the rules' preannotate time.

--live runs the same rounds through `labeling serve`: tasks are imported without
predictions, each is opened in order (GET /api/tasks/ID: Label Studio asks the
backend), the gold submitted, and Label Studio delivers the webhook itself.

    python benchmarks/rounds.py --corpora eval --round-size 10
    python benchmarks/rounds.py --corpora field --round-size 10 --live
    python benchmarks/rounds.py --learn train --round-size 14   # the training loop (benchmarks/rounds_train.py)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labeling.learn.build import build
from labeling.learn.memory import LABELS as LEARNED_LABELS
from labeling.learn.memory import Applier, Thresholds
from labeling.learn.store import MemoryStore
from labeling.preannotate.run import build_pipeline, preannotate
from labeling.push.run import push_inputs
from labeling.quality.report import SuggestionQuality, _relations, _spans
from labeling.records import Annotated, Document, from_results
from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project
from tests.helpers import annotate_as_predicted

TITLE = "rounds benchmark (memory)"
LABELS = ("ACTOR", "WEAPON", "CLAIM", "SOURCE")
VARIANTS = {
    "default (>=1, share>=0.5, missed>=0.5, forget)": Thresholds(),
    "no missed-by-the-model guard": Thresholds(min_missed_share=0.0),
    "min 2 labelled": Thresholds(min_labelled=2),
    "share >= 0.8": Thresholds(min_share=0.8),
    "share >= 0.3": Thresholds(min_share=0.3),
    "no forgetting": Thresholds(forget_min_rejected=10**9),
    "forget only": Thresholds(min_labelled=10**9),
}


def load_gold(corpora: list[str]) -> list[dict]:
    return [json.loads(line) for name in corpora for line in (REPO / "data" / name / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def doc_of(rec: dict) -> Document:
    return Document.make(rec["id"], rec["text"], rec.get("meta"))


def gold_of(rec: dict):
    return _spans(rec["spans"]), _relations(rec["relations"])


def score(suggested: list[Annotated], batch: list[dict]) -> SuggestionQuality:
    sq = SuggestionQuality()
    for ann, rec in zip(suggested, batch):
        sq.add((ann.spans, ann.relations), gold_of(rec))
    return sq


def edits(sq: SuggestionQuality) -> int:
    return sum(v for k, v in sq.edit_totals().items() if k != "kept")


def submit(studio: Studio, project_id: int, batch: list[dict], by_doc: dict[str, int], version: str) -> None:
    for rec in batch:
        task_id = by_doc[rec["id"]]
        pred = studio.prediction_id(task_id, version)
        assert pred is not None, f"task {task_id} has no prediction from {version}"
        annotate_as_predicted(studio, task_id, pred, doc_of(rec), rec)


def batch_round(studio: Studio, project_id: int, batch: list[dict], rules_nlp, work: Path, r: int) -> dict:
    """One round of the batch loop; returns its scores and timings."""
    store = MemoryStore(work / f"memory-{r}.sqlite")
    t0 = time.perf_counter()
    report = build(studio, studio.get_project(project_id), store)
    t_build = time.perf_counter() - t0
    docs = [doc_of(x) for x in batch]
    t0 = time.perf_counter()
    rules = list(preannotate(docs, nlp=rules_nlp))
    t_pre = time.perf_counter() - t0
    memories = {name: store.memory(th) for name, th in VARIANTS.items()}
    applier = Applier(memories[next(iter(VARIANTS))])
    t0 = time.perf_counter()
    for _ in range(5):
        learned = [applier(a) for a in rules]
    t_apply = (time.perf_counter() - t0) / 5
    variants = {name: score([Applier(m)(a) for a in rules], batch) for name, m in memories.items()}
    tasks = work / f"round-{r}.jsonl"
    tasks.write_text("".join(json.dumps(a.to_task(), ensure_ascii=False) + "\n" for a in learned), encoding="utf-8")
    push_inputs([tasks], studio, project_id=project_id)
    by_doc = {data.get("doc_id"): tid for tid, data in studio.iter_task_data(project_id)}
    submit(studio, project_id, batch, by_doc, learned[0].model_version)
    store.close()
    return {
        "rules": score(rules, batch), "memory": score(learned, batch), "variants": variants, "version": learned[0].model_version, "changes": changes(rules, learned, batch),
        "annotations": report.annotations, "learned": len(memories[next(iter(VARIANTS))].learned()),
        "t_pre": t_pre, "t_apply": t_apply, "t_build": t_build,
    }  # fmt: skip


def changes(rules: list[Annotated], learned: list[Annotated], batch: list[dict]) -> dict[str, list[str]]:
    """What the memory changed, against the gold: spans it added or removed, right or wrong (exact match)."""
    out: dict[str, list[str]] = {"added, right": [], "added, wrong": [], "removed, right": [], "removed, wrong": []}
    for a, b, rec in zip(rules, learned, batch):
        gold = {(s["start"], s["end"], s["label"]) for s in rec["spans"]}
        before, after = {s.key(): s.text for s in a.spans}, {s.key(): s.text for s in b.spans}
        for k in after.keys() - before.keys():
            out["added, right" if k in gold else "added, wrong"].append(f"{k[2]} {after[k]!r}")
        for k in before.keys() - after.keys():
            out["removed, wrong" if k in gold else "removed, right"].append(f"{k[2]} {before[k]!r}")
    return out


def live_round(studio: Studio, project_id: int, batch: list[dict], rules_nlp, url: str, token: str) -> dict:
    """One round through the live backend: open each task in order, submit its gold, let the webhook teach."""
    import httpx

    ids = studio.import_tasks(project_id, [{"data": {"text": x["text"], "doc_id": x["id"]}} for x in batch])
    suggested = []
    for task_id, rec in zip(ids, batch):
        task = httpx.get(f"{studio.url}/api/tasks/{task_id}", headers={"Authorization": f"Token {token}"}, timeout=120).json()
        (pred,) = task["predictions"]
        spans, relations = from_results(pred["result"])
        suggested.append(Annotated(doc_of(rec), spans, relations, pred["model_version"], 0.0))
        annotate_as_predicted(studio, task_id, pred["id"], doc_of(rec), rec)
        _wait_learned(url, project_id)
    rules = list(preannotate([doc_of(x) for x in batch], nlp=rules_nlp))
    return {"rules": score(rules, batch), "memory": score(suggested, batch), "variants": {}, "version": suggested[-1].model_version}


def _wait_learned(url: str, project_id: int, timeout: float = 60) -> None:
    import httpx

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        learning = httpx.get(url + "/health", timeout=10).json()["learning"]
        if learning["pending"] == 0 and learning["projects"].get(str(project_id), {}).get("built"):
            return
        time.sleep(0.2)


def print_round(r: int, res: dict, n: int) -> None:
    rules, mem = res["rules"].scores, res["memory"].scores
    cells = []
    for label in LABELS:
        a, b = rules.span_exact.get(label), mem.span_exact.get(label)
        cells.append(f"{label} {a.f1 if a else 0:.2f}->{b.f1 if b else 0:.2f} (P {a.precision if a else 0:.2f}->{b.precision if b else 0:.2f})")
    ov = [f"{label} {rules.span_overlap[label].f1:.2f}->{mem.span_overlap[label].f1:.2f}" for label in LABELS if label in rules.span_overlap]
    print(f"round {r} ({n} docs, {res['version'].split('+')[-1] if '+' in res['version'] else 'rules'}): exact F1 " + "; ".join(cells))
    print(f"         overlap F1 {'; '.join(ov)}; relations {rules.relation_exact.f1:.2f}->{mem.relation_exact.f1:.2f}")
    print(
        f"         edits/doc {edits(res['rules']) / n:.2f} -> {edits(res['memory']) / n:.2f}   (rules: {res['rules'].edit_totals()}; memory: {res['memory'].edit_totals()})"
    )
    for kind, items in res.get("changes", {}).items():
        if items:
            print(f"         {kind} ({len(items)}): {', '.join(sorted(set(items))[:12])}")
    if "t_pre" in res:
        print(
            f"         memory of {res['annotations']} annotations, {res['learned']} learned; built in {res['t_build']:.2f} s; "
            f"applying it {res['t_apply'] * 1000:.1f} ms = {res['t_apply'] / res['t_pre']:.2%} of preannotate's {res['t_pre']:.2f} s"
        )


def print_variants(results: list[dict]) -> None:
    if not results or not results[0]["variants"]:
        return
    print("\nThresholds on the same rounds (ACTOR exact F1 / WEAPON exact F1 / edits per doc / worst precision change vs rules):")
    for name in VARIANTS:
        cells = []
        for res in results:
            sq, rules, n = res["variants"][name], res["rules"], res["rules"].documents
            f = [sq.scores.span_exact.get(label) for label in LEARNED_LABELS]
            drop = min(sq.scores.span_exact[lb].precision - rules.scores.span_exact[lb].precision for lb in LABELS if lb in rules.scores.span_exact)
            cells.append(f"{f[0].f1 if f[0] else 0:.2f}/{f[1].f1 if f[1] else 0:.2f}/{edits(sq) / n:.1f}/{drop:+.2f}")
        print(f"  {name:<48} " + "  ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learn", choices=("memory", "train"), default="memory", help="memory: this benchmark; train: the training loop (rounds_train.py)")
    ap.add_argument("--corpora", default="eval", help="Comma-separated data/ corpora with gold.jsonl.")
    ap.add_argument("--round-size", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--live", action="store_true", help="Through `labeling serve` (tasks opened in order, webhooks from Label Studio).")
    args, rest = ap.parse_known_args()
    if args.learn == "train":
        import rounds_train

        sys.argv = [sys.argv[0], "--corpora", args.corpora, "--round-size", str(args.round_size), "--rounds", str(args.rounds), *rest]
        return rounds_train.main()
    recs = load_gold(args.corpora.split(","))
    random.Random(args.seed).shuffle(recs)
    batches = [recs[i : i + args.round_size] for i in range(0, len(recs), args.round_size)][: args.rounds or None]
    home, work = (Path(tempfile.mkdtemp(prefix=p)) for p in ("labeling-rounds-ls-", "labeling-rounds-"))
    server.start(home, port=server.free_port(), timeout=900)
    backend = None
    try:
        creds = server.load_credentials(home)
        studio = Studio(creds.url, creds.token)
        project = ensure_project(studio, default_scheme(), title=TITLE).project
        rules_nlp = build_pipeline()
        if args.live:
            backend, url = _start_backend(home, work, project.title)
        results = []
        for r, batch in enumerate(batches):
            res = (
                live_round(studio, project.id, batch, rules_nlp, url, creds.token) if args.live else batch_round(studio, project.id, batch, rules_nlp, work, r)
            )
            print_round(r, res, len(batch))
            results.append(res)
        print_variants(results)
    finally:
        if backend is not None:
            backend.terminate()
            backend.wait(20)
        server.stop(home)


def _start_backend(home: Path, work: Path, title: str):
    import os
    import subprocess

    import httpx

    env = {**os.environ, "LABELING_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    port = server.free_port()
    log = open(work / "serve.log", "wb")  # noqa: SIM115  kept open for the backend's life
    proc = subprocess.Popen(
        [sys.executable, "-m", "labeling", "serve", "--port", str(port), "--learn-dir", str(work / "learned")],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    connected = subprocess.run(
        [sys.executable, "-m", "labeling", "backend", "connect", "--project", title, "--url", url], env=env, capture_output=True, text=True
    )
    assert connected.returncode == 0, connected.stderr
    return proc, url


if __name__ == "__main__":
    main()
