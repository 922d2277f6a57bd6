"""Benchmark: the annotation loop, round by round, against a real Label Studio.

The gold corpora (data/sample and data/eval by default) are shuffled once and
cut into rounds of K documents. Each round:
  1. pushes the next K documents pre-annotated by the current model (round 0:
     the rule pre-annotator);
  2. submits the gold annotation of each task through the API as the
     annotator's correction, with `parent_prediction` set to that model's
     prediction (what a submit in the Label Studio UI sends);
  3. pulls a new dataset version (new documents may enter the test split:
     with rounds of a dozen documents a test split frozen after round 0 would
     hold one or two documents);
  4. trains the next model on it (`labeling train`).
At the end `labeling report`'s numbers for the last version are printed per
model_version: suggestion precision/recall/F1 per label (exact) and the edits
annotators made (kept, relabelled, boundary, deleted, added). Rounds see
different documents, so each round also prints the rule pre-annotator on the
same documents: the paired comparison is the effort saved (or not). Each
trained model's test-split comparison with the rules (eval.json) follows.

Caveat: the rules were written while reading data/sample, so the rule
pre-annotator's round-0 numbers on sample documents are optimistic.

    python benchmarks/rounds_train.py --round-size 14
    python benchmarks/rounds_train.py --corpora eval --round-size 10   # held-out text only
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

from labeling.preannotate.run import build_pipeline, preannotate
from labeling.pull.run import pull
from labeling.push.run import PushOptions, push_inputs
from labeling.quality.report import SuggestionQuality, _relations, _spans, quality
from labeling.records import Document
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.train.run import LABELS, train
from tests.helpers import annotate_as_predicted

TITLE = "rounds benchmark"
DATASET = "rounds"


def load_gold(corpora: list[str]) -> list[dict]:
    recs = []
    for name in corpora:
        path = REPO / "data" / name / "gold.jsonl"
        recs += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return recs


def submit_gold(studio: Studio, project_id: int, batch: list[dict], model_version: str) -> int:
    """The annotator accepts/corrects each suggestion into the gold annotation; returns how many were submitted."""
    by_doc = {data.get("doc_id"): tid for tid, data in studio.iter_task_data(project_id)}
    n = 0
    for rec in batch:
        task_id = by_doc[rec["id"]]
        pred = studio.prediction_id(task_id, model_version)
        assert pred is not None, f"task {task_id} has no prediction from {model_version}"
        annotate_as_predicted(studio, task_id, pred, Document.make(rec["id"], rec["text"], rec.get("meta")), rec)
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", default="sample,eval", help="Comma-separated data/ corpora with gold.jsonl.")
    ap.add_argument("--round-size", type=int, default=14)
    ap.add_argument("--rounds", type=int, default=0, help="Stop after this many rounds (0: until the corpus is used up).")
    ap.add_argument("--ratios", default="0.5,0.2,0.3", help="train,dev,test ratios for the pulls.")
    ap.add_argument("--max-epochs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    recs = load_gold(args.corpora.split(","))
    random.Random(args.seed).shuffle(recs)
    batches = [recs[i : i + args.round_size] for i in range(0, len(recs), args.round_size)]
    if args.rounds:
        batches = batches[: args.rounds]
    ratios = tuple(float(x) for x in args.ratios.split(","))
    home = Path(tempfile.mkdtemp(prefix="labeling-rounds-ls-"))
    work = Path(tempfile.mkdtemp(prefix="labeling-rounds-"))
    server.start(home, port=server.free_port(), timeout=900)
    try:
        creds = server.load_credentials(home)
        studio = Studio(creds.url, creds.token)
        rules_nlp = build_pipeline()
        paired: list[SuggestionQuality] = []  # the rules on each round's documents
        model: str | None = None  # round 0: the rule pre-annotator
        order: list[str] = []
        trained: list[dict] = []
        for r, batch in enumerate(batches):
            docs = work / f"round-{r}.jsonl"
            docs.write_text("".join(json.dumps({"id": x["id"], "text": x["text"], "meta": x.get("meta", {})}) + "\n" for x in batch), encoding="utf-8")
            t0 = time.perf_counter()
            pushed = push_inputs([docs], studio, title=TITLE, options=PushOptions(model=model))
            version = pushed.push.model_versions[-1]
            order.append(version)
            t_push = time.perf_counter() - t0
            submit_gold(studio, pushed.project.id, batch, version)
            sq = SuggestionQuality()
            docs_in = [Document.make(x["id"], x["text"], x.get("meta")) for x in batch]
            for rec, ann in zip(batch, preannotate(docs_in, nlp=rules_nlp)):
                sq.add((ann.spans, ann.relations), (_spans(rec["spans"]), _relations(rec["relations"])))
            paired.append(sq)
            pulled = pull(studio, dataset=DATASET, project_id=pushed.project.id, exports_dir=work / "exports", ratios=ratios, unfreeze_test=True)  # type: ignore[arg-type]
            assert pulled.version is not None
            t0 = time.perf_counter()
            result = train(f"{DATASET}@{pulled.version}", exports_dir=work / "exports", models_dir=work / "models", seed=args.seed, max_epochs=args.max_epochs)
            t_train = time.perf_counter() - t0
            docs_n = result.scores["documents"]
            print(
                f"round {r}: {len(batch)} docs suggested by {version} (push {t_push:.1f} s); pulled {pulled.version} "
                f"(train {docs_n['train']}, dev {docs_n['dev']}, test {docs_n['test']}); trained {result.model_version} in {t_train:.0f} s",
                flush=True,
            )
            trained.append({"model_version": result.model_version, "seconds": t_train, **result.scores})
            model = str(result.output_dir)

        q = quality(work / "exports" / DATASET / pulled.version)  # type: ignore[operator]
        print("\nSuggestions vs the submitted annotations, per round (exact F1; the rules on the same documents in brackets):")
        print(f"{'round':>5} {'docs':>4} " + " ".join(f"{label:>13}" for label in (*LABELS, "relations")) + f" {'edits':>11}")
        for r, mv in enumerate(order):
            sq, base = q.by_model_version[mv], paired[r]
            cells = []
            for label in LABELS:
                a, b = sq.scores.span_exact.get(label), base.scores.span_exact.get(label)
                cells.append(f"{a.f1 if a else 0:.2f} ({b.f1 if b else 0:.2f})")
            cells.append(f"{sq.scores.relation_exact.f1:.2f} ({base.scores.relation_exact.f1:.2f})")
            edits = [sum(v for k, v in x.edit_totals().items() if k != "kept") for x in (sq, base)]
            print(f"{r:>5} {sq.documents:>4} " + " ".join(f"{c:>13}" for c in cells) + f" {edits[0]:>4} ({edits[1]:>4})")
        print("  edits = relabelled + boundary + deleted + added regions; kept/relabelled/boundary/deleted/added per round:")
        for r, mv in enumerate(order):
            e, b = q.by_model_version[mv].edit_totals(), paired[r].edit_totals()
            print(f"  round {r}: {e}  rules: {b}")
        print("  (round 0 = the rule pre-annotator; round n = the model trained after round n-1)")
        print("\nEach trained model vs the rules on its version's test split (exact F1):")
        print(f"{'model':>30} {'test':>4} " + " ".join(f"{label:>16}" for label in (*LABELS, "relations")))
        for t in trained:
            cells = []
            for label in (*LABELS, "relations"):
                side = {k: t[k]["scores"]["exact"] for k in ("rules", "trained")}
                pick = (lambda s: s["relations"]["f1"]) if label == "relations" else (lambda s, label=label: s["labels"][label]["f1"])
                cells.append(f"{pick(side['rules']):.2f}->{pick(side['trained']):.2f}")
            print(f"{t['model_version']:>30} {t['documents']['test']:>4} " + " ".join(f"{c:>16}" for c in cells))
            print(f"{'':>30} policy: {t['policy']}; trained in {t['seconds']:.0f} s")
    finally:
        server.stop(home)


if __name__ == "__main__":
    main()
