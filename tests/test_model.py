"""One trained directory, one model_version: `labeling preannotate --model DIR` and `labeling serve --model DIR` agree."""

from __future__ import annotations

import json

import pytest

from labeling.preannotate.model import VERSION_META_KEY, is_trained
from labeling.preannotate.run import build_pipeline
from labeling.serve.model import load_model

from .conftest import REPO, run_cli

VERSION = "demo-v0002-fb4cb74f"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A pipeline directory saved the way `labeling train` saves one: our model_version in its meta."""
    nlp = build_pipeline()
    nlp.meta[VERSION_META_KEY] = VERSION
    path = tmp_path_factory.mktemp("model") / "demo-v0002"
    nlp.to_disk(path)
    return path


def test_serve_and_preannotate_report_the_same_model_version(model_dir, tmp_path):
    assert is_trained(model_dir)
    article = sorted((REPO / "data" / "sample" / "articles").glob("*.txt"))[0]
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", str(article), "-o", str(out), "--model", str(model_dir), "-q"])
    assert r.returncode == 0, r.stderr
    task = json.loads(out.read_text().splitlines()[0])
    assert task["predictions"][0]["model_version"] == VERSION
    served = load_model(str(model_dir))
    assert served.model_version == VERSION
    assert served.rules, "a trained directory runs through the same pre-annotation as the CLI"
