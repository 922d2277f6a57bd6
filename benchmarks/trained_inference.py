"""Inference speed of a trained pre-annotator against bare spaCy, in one process.

    python benchmarks/trained_inference.py --model models/conflict-v0003 [--docs 1000]

Baseline: `nlp.pipe` of the default pipeline exactly as `spacy.load` gives it
(en_core_web_sm). Measured: the full pre-annotation path with the trained
pipeline (default pipeline + rules + conflict_ner + span_finder + spancat +
merge + task JSON), and with the rule pipeline for reference. Target: trained
>= 0.8x bare. Wall and CPU-time ratios are printed (CPU time is robust to other
load on the machine). The corpus is benchmarks/preannotate.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import spacy
from preannotate import corpus, ours

from labeling.preannotate.run import build_pipeline
from labeling.scheme import default_scheme


def bare(nlp, n: int, batch_size: int) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe((d.text for d in corpus(n)), batch_size=batch_size):
        pass
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="A directory made by `labeling train`.")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()
    n, bs = args.docs, args.batch_size
    default = spacy.load(default_scheme().tokenizer)
    trained = build_pipeline(args.model)
    rules = build_pipeline()
    for nlp in (trained, rules):
        ours(nlp, 30, bs)  # warm-up
    bare(default, 30, bs)
    t_bare, c_bare = bare(default, n, bs)
    t_trained, c_trained = ours(trained, n, bs)
    t_rules, c_rules = ours(rules, n, bs)
    print(
        json.dumps(
            {
                "docs": n,
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg()[0],
                "bare_default_docs_per_s": round(n / t_bare, 1),
                "trained_docs_per_s": round(n / t_trained, 1),
                "rules_docs_per_s": round(n / t_rules, 1),
                "trained_vs_bare": round(t_bare / t_trained, 3),
                "trained_vs_bare_cpu": round(c_bare / c_trained, 3),
                "rules_vs_bare": round(t_bare / t_rules, 3),
                "rules_vs_bare_cpu": round(c_bare / c_rules, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
