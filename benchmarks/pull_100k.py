"""Benchmark: a project of 100,000 annotated tasks: raw export, pull, re-push, verify, diff.

    python benchmarks/pull_100k.py                      # starts its own Label Studio (SQLite)
    python benchmarks/pull_100k.py --tasks 20000        # a smaller run
    python benchmarks/pull_100k.py --postgres           # its own Label Studio on a throwaway PostgreSQL cluster
    LABEL_STUDIO_URL=http://host:8080 LABEL_STUDIO_API_KEY=... python benchmarks/pull_100k.py
                                                        # an existing server (e.g. on PostgreSQL)

1. Project: N tasks imported WITH their annotation and a prediction (make_task of
   benchmarks/pull.py; Label Studio's import API, 500 tasks per request). A
   project titled "benchmark-100k-N" that already holds N tasks is reused.
2. Baseline: Label Studio's raw export of the project (create + download to a
   file), timed before and after the first pull; the mean is the baseline.
3. `labeling pull` -> v0001, run as a child process: wall time, ratio to the
   baseline (target <= 1.5x) and the child's peak RSS (os.wait4, target < 1 GB).
4. Changes: --changes new annotated tasks imported and a newer annotation on
   --changes existing tasks, then `labeling pull` -> v0002. (So every run adds
   tasks to the project: a reused project grows by --changes tasks a run.)
5. `labeling datasets verify` (every version), `labeling datasets diff v1 v2`:
   wall time and peak RSS.
6. `labeling push` of the same N tasks (all present): wall time and peak RSS.

Every step that the toolkit does runs through its CLI in a child process, so
each peak RSS is that command's alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pull import make_task, sentences  # benchmarks/pull.py: the same synthetic tasks

from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Project, Studio
from labeling.studio.projects import ensure_project
from tests.helpers import raw_sdk

DATASET = "bench100k"


def build_project(studio: Studio, n: int) -> tuple[Project, float | None]:
    """The benchmark project, imported now unless a project of that title holds N tasks already."""
    title = f"benchmark-100k-{n}"
    proj = studio.find_project(title)
    if proj is not None and proj.task_count >= n:
        print(f"reusing project {proj.id} {title!r} ({proj.task_count} tasks)", flush=True)
        return proj, None
    proj = ensure_project(studio, default_scheme(), title=title).project
    rng, pool = random.Random(0), sentences()
    t0 = time.perf_counter()
    tasks = (make_task(i, rng, pool) for i in range(proj.task_count, n))
    done = proj.task_count
    while batch := list(itertools.islice(tasks, 500)):
        studio.import_tasks(proj.id, batch)
        done += len(batch)
        if done % 10_000 == 0:
            print(f"  imported {done} tasks, {time.perf_counter() - t0:.0f}s", flush=True)
    took = time.perf_counter() - t0
    print(f"imported {n} annotated tasks in {took:.0f}s ({n / took:.0f} tasks/s)", flush=True)
    return studio.get_project(proj.id), took


def write_tasks_file(path: Path, n: int) -> None:
    """The same N tasks as pre-annotation output (data + prediction, no annotation), for the re-push."""
    rng, pool = random.Random(0), sentences()
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            task = make_task(i, rng, pool)
            del task["annotations"]
            fh.write(json.dumps(task, ensure_ascii=False) + "\n")


def add_changes(studio: Studio, proj: Project, n: int, stamp: str) -> None:
    """n new annotated tasks, and a newer annotation (without ACTOR spans) on n random existing tasks."""
    rng, pool = random.Random(stamp), sentences()
    new = [make_task(i, rng, pool) for i in range(n)]
    for t in new:
        t["data"]["doc_id"] = f"bench-x{stamp}-{t['data']['doc_id']}"
    for start in range(0, n, 500):
        studio.import_tasks(proj.id, new[start : start + 500])
    ids = [task_id for task_id, _ in itertools.islice(studio.iter_task_data(proj.id), 20 * n)]
    for task_id in rng.sample(ids, min(n, len(ids))):
        task = raw_sdk(studio).tasks.get(id=task_id)
        result = (task.predictions or [{}])[0]
        items = result.get("result", []) if isinstance(result, dict) else (result.result or [])
        kept = [r for r in items if "ACTOR" not in (r.get("value") or {}).get("labels", [])]
        studio.create_annotation(task_id, kept, lead_time=1.0)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """`labeling ARGS` as a child process: (wall seconds, peak RSS in MB, stdout)."""
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "labeling", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"labeling {' '.join(args)} failed ({child.returncode}):\n{out}")
    return took, usage.ru_maxrss / 1024, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=1_000, help="New tasks and changed annotations between v0001 and v0002.")
    ap.add_argument("--work", type=Path, help="Directory for the export, the versions and the tasks file (default: a temp dir).")
    ap.add_argument("--home", type=Path, help="Label Studio home to start (and keep) instead of a temp dir.")
    ap.add_argument("--postgres", action="store_true", help="Start Label Studio on a throwaway PostgreSQL cluster (tests/postgres.py) instead of SQLite.")
    args = ap.parse_args()

    home, started, cluster, db = None, False, None, {}
    if args.postgres:
        from tests.postgres import start_cluster

        cluster = start_cluster()
        secret = Path(tempfile.mkdtemp(prefix="bench-100k-pg-")) / "pw"
        secret.write_text(cluster.password)
        secret.chmod(0o600)
        db = {"database_url": cluster.url(), "password_file": secret}
    if os.environ.get("LABEL_STUDIO_URL"):
        studio = Studio.connect()
        env = dict(os.environ)
    else:
        home = args.home or Path(tempfile.mkdtemp(prefix="bench-100k-ls-"))
        print("starting Label Studio in", home, flush=True)
        status, started = server.start(home, port=server.free_port(), timeout=900, **db)  # type: ignore[arg-type]
        print("database:", status.database, flush=True)
        creds = server.load_credentials(home)
        assert creds is not None
        studio = Studio(creds.url, creds.token)
        env = {**os.environ, "LABEL_STUDIO_URL": creds.url, "LABEL_STUDIO_API_KEY": creds.token}
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-100k-"))
    work.mkdir(parents=True, exist_ok=True)
    exports = work / "exports"
    try:
        print(f"Label Studio {studio.version} at {studio.url}; work dir {work}; {os.cpu_count()} CPUs (shared)", flush=True)
        proj, import_s = build_project(studio, args.tasks)
        tasks_file = work / "tasks.jsonl"
        write_tasks_file(tasks_file, args.tasks)

        def raw_export() -> tuple[float, int]:
            t0 = time.perf_counter()
            export_id = studio.create_export(proj.id)
            size = studio.download_export(proj.id, export_id, work / "raw.json")
            took = time.perf_counter() - t0
            (work / "raw.json").unlink()
            print(f"  raw export: {took:.1f}s, {size / 1e6:.0f} MB", flush=True)
            return took, size

        raw1, size = raw_export()
        pull_args = ["pull", "--project-id", str(proj.id), "--dataset", DATASET, "--exports-dir", str(exports), "--silent"]
        pull1 = run_cli(pull_args, env)
        print(f"  pull v0001: {pull1[0]:.1f}s, {pull1[1]:.0f} MB\n{pull1[2]}", flush=True)
        raw2, _ = raw_export()
        raw = (raw1 + raw2) / 2

        stamp = time.strftime("%H%M%S")
        t0 = time.perf_counter()
        add_changes(studio, proj, args.changes, stamp)
        print(f"  changes made in {time.perf_counter() - t0:.0f}s", flush=True)
        pull2 = run_cli(pull_args, env)
        print(f"  pull v0002: {pull2[0]:.1f}s, {pull2[1]:.0f} MB\n{pull2[2]}", flush=True)

        verify = run_cli(["datasets", "verify", DATASET, "--exports-dir", str(exports)], env)
        diff = run_cli(["datasets", "diff", f"{DATASET}@v1", f"{DATASET}@v2", "--exports-dir", str(exports)], env)
        print("  verify:", verify[2].strip().replace("\n", "; "), "\n  diff:", "; ".join(line[:120] for line in diff[2].splitlines()), flush=True)
        repush = run_cli(["push", str(tasks_file), "--project-id", str(proj.id), "--silent"], env)
        print(f"  re-push output:\n{repush[2]}", flush=True)

        version = exports / DATASET / "v0001"
        manifest = json.loads((version / "manifest.json").read_text())
        docs = sum(manifest["counts"]["documents"].values())
        split_mb = sum(f["bytes"] for f in manifest["files"].values()) / 1e6
        print()
        print(f"project: {proj.task_count} tasks at the start ({size / 1e6:.0f} MB export); v0001: {docs} documents, {split_mb:.0f} MB of files")
        if import_s:
            print(f"import with annotations: {import_s:.0f}s ({args.tasks / import_s:.0f} tasks/s)")
        print(f"raw export (baseline):   {raw:.1f}s (mean of {raw1:.1f}s before and {raw2:.1f}s after the pull)")
        for name, (took, rss, _) in (
            ("pull -> v0001", pull1),
            (f"pull -> v0002 (+{args.changes} new, {args.changes} changed)", pull2),
            ("datasets verify (2 versions)", verify),
            ("datasets diff v1 v2", diff),
            (f"push, {args.tasks} present", repush),
        ):
            print(f"{name:<44} {took:7.1f}s  {took / raw:5.2f}x raw export  peak RSS {rss:6.0f} MB")
        print("targets: pull <= 1.5x raw export, pull peak RSS < 1024 MB")
    finally:
        if started and home and not args.home:
            server.stop(home)
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
