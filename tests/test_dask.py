"""Pre-annotation on a real Dask LocalCluster: same bytes as one process, resume, failures reported."""

from __future__ import annotations

import json
import shutil

import pytest

from labeling.errors import LabelingError
from labeling.ingest import read_documents
from labeling.preannotate.on_dask import _write_chunks, write_tasks_on_dask

from .conftest import REPO, run_cli

pytest.importorskip("dask.distributed")
ARTICLES = REPO / "data" / "sample" / "articles"


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The reference: `labeling preannotate` in one process."""
    out = tmp_path_factory.mktemp("one") / "tasks.jsonl"
    r = run_cli(["preannotate", str(ARTICLES), "-o", str(out), "--silent"])
    assert r.returncode == 0, r.stderr
    return out


def test_dask_output_is_byte_identical_to_one_process(single, tmp_path):
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", str(ARTICLES), "-o", str(out), "--dask", "local:2", "--chunk-size", "5"])
    assert r.returncode == 0, r.stderr
    assert "Dask: 6 chunks, 6 computed, 0 kept from an earlier run" in r.stderr and "Wrote 26 tasks" in r.stdout
    assert out.read_bytes() == single.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]  # chunk folder removed, nothing half-written


def test_rerun_redoes_only_missing_chunks(single, tmp_path):
    """A run killed after chunk 1 finished: its output is kept as is, the others are computed."""
    out = tmp_path / "tasks.jsonl"
    work = tmp_path / ".tasks.jsonl.chunks"
    work.mkdir()
    chunks = list(_write_chunks(read_documents([ARTICLES]), work, 10))
    lines = single.read_text(encoding="utf-8").splitlines(keepends=True)
    finished = [json.loads(line) for line in lines[10:20]]
    marked = "".join(json.dumps({**t, "data": {**t["data"], "meta": {"from": "the killed run"}}}) + "\n" for t in finished)
    (work / "000001.tasks.jsonl").write_text(marked, encoding="utf-8")
    assert len(chunks) == 3

    n = write_tasks_on_dask(read_documents([ARTICLES]), out, address="local:2", chunk_size=10)
    assert n == 26
    got = out.read_text(encoding="utf-8")
    assert got == "".join(lines[:10]) + marked + "".join(lines[20:])  # chunk 1 was not redone
    assert not work.exists()


def test_changed_input_invalidates_its_chunk(single, tmp_path):
    out = tmp_path / "tasks.jsonl"
    work = tmp_path / ".tasks.jsonl.chunks"
    work.mkdir()
    list(_write_chunks(read_documents([ARTICLES]), work, 10))
    (work / "000000.tasks.jsonl").write_text("stale\n", encoding="utf-8")
    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES, articles)
    first = sorted(articles.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nA late paragraph.\n", encoding="utf-8")
    write_tasks_on_dask(read_documents([articles]), out, address="local:1", chunk_size=10)
    assert "stale" not in out.read_text(encoding="utf-8")
    assert "A late paragraph." in out.read_text(encoding="utf-8")


def test_a_failing_chunk_is_reported_and_nothing_is_written(tmp_path):
    out = tmp_path / "tasks.jsonl"
    out.write_text("the previous run's output\n", encoding="utf-8")
    with pytest.raises(LabelingError, match=r"chunk 000000\.docs\.jsonl failed after 2 retries .*wire-001"):
        write_tasks_on_dask(read_documents([ARTICLES]), out, address="local:1", chunk_size=30, model="no_such_pipeline")
    assert out.read_text(encoding="utf-8") == "the previous run's output\n"


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    r = run_cli(["preannotate", str(ARTICLES), "-o", str(tmp_path / "t.jsonl"), "--dask", "tcp://127.0.0.1:9"])
    assert r.returncode == 1 and "Cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "t.jsonl").exists()


def test_file_urls_in_and_out_give_the_same_bytes(single, tmp_path):
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", ARTICLES.as_uri(), "-o", out.as_uri(), "--dask", "local:2", "--chunk-size", "10"])
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == single.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]


def test_workers_that_share_only_an_fsspec_store(single, tmp_path):
    """Input, chunks and output on memory:// (nothing on disk): in-process workers see the chunks only through fsspec."""
    import fsspec
    from dask.distributed import Client, LocalCluster

    store = fsspec.filesystem("memory")
    for f in sorted(ARTICLES.glob("*.txt")):
        store.pipe_file(f"/news/{f.name}", f.read_bytes())
    with Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")) as client:
        n = write_tasks_on_dask(read_documents(["memory://news"]), "memory://runs/tasks.jsonl", client=client, chunk_size=10)
    assert n == 26
    assert store.cat_file("/runs/tasks.jsonl") == single.read_bytes()
    assert store.ls("/runs", detail=False) == ["/runs/tasks.jsonl"]  # chunk folder and temporary files gone
    store.rm("/news", recursive=True)
    store.rm("/runs", recursive=True)


def test_an_unknown_url_protocol_is_a_clear_error(tmp_path):
    r = run_cli(["preannotate", "nosuch://bucket/news.jsonl", "-o", str(tmp_path / "t.jsonl")])
    assert r.returncode == 1 and "nosuch://bucket/news.jsonl: cannot open this URL" in r.stderr and "Traceback" not in r.stderr
    assert "Install the fsspec filesystem" in r.stderr
    assert not (tmp_path / "t.jsonl").exists()


def test_a_worker_killed_mid_run_changes_nothing(single, tmp_path):
    """SIGKILL of a worker process after the first chunk: its nanny restarts it, Dask reruns what it held, same bytes."""
    import os
    import signal

    from dask.distributed import Client, LocalCluster

    out = tmp_path / "tasks.jsonl"
    killed: list[int] = []
    with Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")) as client:

        def kill_one_worker(_n: int) -> None:
            if not killed:
                pid = next(iter(client.run(os.getpid).values()))
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)

        n = write_tasks_on_dask(read_documents([ARTICLES]), out, client=client, chunk_size=2, on_chunk=kill_one_worker)
        assert pid_gone(killed[0])
    assert n == 26
    assert out.read_bytes() == single.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]  # whatever the killed worker left half-written is gone


def pid_gone(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
