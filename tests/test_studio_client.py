"""The Studio client's own promises: an export comes back ready, or a typed error at its deadline."""

from __future__ import annotations

import json
import time

import pytest

from labeling.errors import ExportTimeout, LabelingError
from labeling.scheme import default_scheme
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project
from labeling.studio.tasks_api import wait_for_export

from .helpers import make_tasks


def test_an_export_ready_at_once_is_returned_even_with_no_time_to_wait(studio: Studio, tmp_path):
    """Label Studio without Redis builds the export inside the request: ready at the first look, so timeout=0 still succeeds."""
    project = ensure_project(studio, default_scheme(), title="client: export deadline").project
    studio.import_tasks(project.id, make_tasks(2, prefix="export-deadline"))
    export_id = studio.create_export(project.id, timeout=0)
    assert studio.download_export(project.id, export_id, tmp_path / "export.json") > 0
    exported = json.loads((tmp_path / "export.json").read_text())
    assert sorted(t["data"]["doc_id"] for t in exported) == ["export-deadline-00000", "export-deadline-00001"]


def test_an_export_still_building_at_its_deadline_raises_a_typed_error_with_a_next_step():
    """The polling Studio.create_export runs, given the states a busy server's rq worker reports (a real server here builds at once)."""
    states = iter(["created", "in_progress", "in_progress"])
    t0 = time.monotonic()
    with pytest.raises(ExportTimeout) as err:
        wait_for_export(lambda: next(states), "export 7 of project 3", deadline=t0 + 0.05, timeout=0.05, interval=0.04)
    assert "export 7 of project 3" in err.value.message and "in_progress" in err.value.message and err.value.hint
    assert time.monotonic() - t0 < 1
    with pytest.raises(LabelingError, match="failed to build export 7"):
        wait_for_export(lambda: "failed", "export 7 of project 3", deadline=t0, timeout=0)
    wait_for_export(iter(["in_progress", "completed"]).__next__, "export 7", deadline=time.monotonic() + 5, timeout=5, interval=0.01)
