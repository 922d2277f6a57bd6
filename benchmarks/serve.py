"""Retrieve Predictions for 1,000 tasks: our backend in one /predict vs the reference approach.

    python benchmarks/serve.py [--tasks 1000] [--batch-size 64]

Both servers run as separate processes with the same pipeline (build_pipeline:
the small English model plus our rules) and are sent the same sample-like tasks:

- ours: `labeling serve`, all tasks in one POST /predict (what Label Studio's
  Data Manager action retrieve_tasks_predictions sends), nlp.pipe in batches;
- reference: the approach of HumanSignal's spaCy example backend: one task per
  request (what Label Studio falls back to for a backend that answers one
  result), `nlp(text)` per task.

Prints both wall times, the ratio (reference / ours), and whether the one big
request fits Label Studio's default ML_TIMEOUT_PREDICT (100 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preannotate import corpus

ML_TIMEOUT_PREDICT = 100.0


def reference_server(port: int) -> None:
    """The reference backend: nlp() once per task, one task per request."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from labeling.preannotate.run import build_pipeline, pipeline_version, to_annotated
    from labeling.records import Document

    nlp = build_pipeline()
    version = pipeline_version(nlp)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    async def predict_async(request: Request) -> JSONResponse:
        body = await request.json()
        results = []
        for task in body["tasks"]:
            doc = Document.make(str(task["id"]), task["data"]["text"])
            results.append(to_annotated(doc, nlp(doc.text)._.conflict, version).prediction())
        return JSONResponse({"results": results})

    app = Starlette(routes=[Route("/health", health), Route("/predict", predict_async, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start(cmd: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/health"
    for _ in range(600):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--reference-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_server:
        reference_server(args.reference_server)
        return

    from labeling.studio.server import free_port

    tasks: list[dict[str, Any]] = [{"id": i, "data": {"text": d.text}} for i, d in enumerate(corpus(args.tasks))]
    chars = sum(len(t["data"]["text"]) for t in tasks)
    print(f"{len(tasks)} sample-like tasks, {chars / 1e6:.2f}M characters; {os.cpu_count()} CPUs")
    warm = {"tasks": tasks[:20]}

    ours_port, ref_port = free_port(), free_port()
    ours = start(
        [sys.executable, "-m", "labeling", "serve", "--port", str(ours_port), "--batch-size", str(args.batch_size), "--log-level", "warning"], ours_port
    )
    try:
        httpx.post(f"http://127.0.0.1:{ours_port}/predict", json=warm, timeout=300)
        t0 = time.perf_counter()
        r = httpx.post(f"http://127.0.0.1:{ours_port}/predict", json={"tasks": tasks}, timeout=3600)
        ours_s = time.perf_counter() - t0
        assert r.status_code == 200 and len(r.json()["results"]) == len(tasks), r.text[:300]
        ours_results = r.json()["results"]
    finally:
        ours.terminate()
        ours.wait()

    ref = start([sys.executable, __file__, "--reference-server", str(ref_port)], ref_port)
    try:
        with httpx.Client(timeout=300) as client:
            for t in tasks[:20]:
                client.post(f"http://127.0.0.1:{ref_port}/predict", json={"tasks": [t]})
            t0 = time.perf_counter()
            ref_results = [client.post(f"http://127.0.0.1:{ref_port}/predict", json={"tasks": [t]}).json()["results"][0] for t in tasks]
            ref_s = time.perf_counter() - t0
    finally:
        ref.terminate()
        ref.wait()

    same = sum(a["result"] == b["result"] for a, b in zip(ours_results, ref_results, strict=True))
    print(f"ours:      1 request of {len(tasks)} tasks, nlp.pipe batch {args.batch_size}: {ours_s:6.1f} s ({len(tasks) / ours_s:5.1f} tasks/s)")
    print(f"reference: {len(tasks)} requests of 1 task, nlp() per task:     {ref_s:6.1f} s ({len(tasks) / ref_s:5.1f} tasks/s)")
    print(f"ratio reference/ours: {ref_s / ours_s:.2f}x   (identical results: {same}/{len(tasks)})")
    fits = "fits" if ours_s < ML_TIMEOUT_PREDICT else "DOES NOT fit"
    print(f"one {len(tasks)}-task request took {ours_s:.1f} s: {fits} Label Studio's default ML_TIMEOUT_PREDICT of {ML_TIMEOUT_PREDICT:.0f} s")


if __name__ == "__main__":
    main()
