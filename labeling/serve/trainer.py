"""Training in the background: pull + train, one at a time, switch models only on success.

Label Studio waits about one second for a webhook (WEBHOOK_TIMEOUT), so the
webhook only asks the worker to start; the work runs in a thread. A failed
training is logged and reported by /health; the old model keeps serving.

The trainer is a plain callable `trainer(project_id) -> Trained` so it can be
swapped (tests, other training set-ups); the default pulls the project into a
dataset and runs `labeling.train.run.train` on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import LabelingError
from ..pull.run import pull
from ..studio.client import Studio
from .model import LoadedModel, ModelHolder, load_model

log = logging.getLogger("labeling.serve")


@dataclass(frozen=True)
class Trained:
    output_dir: Path  # a spaCy pipeline directory
    model_version: str


Trainer = Callable[[int], Trained]


@dataclass
class TrainingState:
    state: str = "idle"  # idle | training | succeeded | failed
    project: int | None = None
    started: float | None = None
    finished: float | None = None
    runs: int = 0
    error: str | None = None  # why the last run failed
    model_version: str | None = None  # what the last successful run produced


class TrainingWorker:
    """Starts at most one training at a time; `start` never blocks."""

    def __init__(
        self, holder: ModelHolder, trainer: Trainer, *, loader: Callable[[Trained], LoadedModel] | None = None, on_switch: Callable[[int], None] | None = None
    ):
        self.holder = holder
        self.trainer = trainer
        self.loader = loader or (lambda t: load_model(str(t.output_dir), model_version=t.model_version))
        self.on_switch = on_switch  # called with the project id after a switch; errors are logged, not raised
        self._lock = threading.Lock()
        self._state = TrainingState()
        self._thread: threading.Thread | None = None

    def state(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._state)

    def start(self, project_id: int) -> bool:
        """Begin a training of `project_id` in the background; False when one is already running."""
        with self._lock:
            if self._state.state == "training":
                return False
            self._state = TrainingState(
                state="training", project=project_id, started=time.time(), runs=self._state.runs + 1, model_version=self._state.model_version
            )
            self._thread = threading.Thread(target=self._run, args=(project_id,), name="labeling-train", daemon=True)
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running training (tests, shutdown); True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.state()["state"] != "training"

    def _run(self, project_id: int) -> None:
        log.info("training for project %s started", project_id)
        try:
            trained = self.trainer(project_id)
            model = self.loader(trained)
        except Exception as exc:  # any failure: keep serving the old model, say why on /health
            reason = str(exc) if isinstance(exc, LabelingError) else f"{exc.__class__.__name__}: {exc}"
            log.error("training for project %s failed, still serving %s: %s", project_id, self.holder.model_version, reason)
            with self._lock:
                self._state.state, self._state.error, self._state.finished = "failed", reason, time.time()
            return
        self.holder.swap(model)
        log.info("training for project %s done: now serving %s", project_id, model.model_version)
        if self.on_switch is not None:  # before "succeeded", so a caller who sees it finds the project updated too
            try:
                self.on_switch(project_id)
            except Exception as exc:
                log.error("switched to %s but could not tell Label Studio: %s", model.model_version, exc)
        with self._lock:
            self._state.state, self._state.finished, self._state.model_version = "succeeded", time.time(), model.model_version


def pull_and_train(
    *, dataset: str | None = None, exports_dir: Path = Path("exports"), models_dir: Path = Path("models"), overrides: dict[str, Any] | None = None
) -> Trainer:
    """The default trainer: pull the project into a dataset version, then `labeling train` it
    (with `overrides`, spaCy config overrides as `labeling train --section.key value` takes them).

    Label Studio is reached like every command (LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY or the
    embedded server's credentials). The dataset defaults to "project-<id>".
    """

    def trainer(project_id: int) -> Trained:
        try:
            from ..train.run import train  # the training command; imported late so serving works without it
        except ImportError:
            raise LabelingError(
                "training is not available in this installation (labeling.train is missing)",
                "Update the labeling package; until then the backend keeps serving its current model.",
            ) from None

        name = dataset or f"project-{project_id}"
        pulled = pull(Studio.connect(), dataset=name, project_id=project_id, exports_dir=exports_dir)
        # models/NAME-vNNNN; pressing Start Training again without new annotations retrains that version in place
        # (the old directory goes only once the new model is complete).
        result = train(f"{name}@{pulled.version or pulled.same_as}", exports_dir=exports_dir, models_dir=models_dir, force=True, overrides=overrides)
        return Trained(Path(result.output_dir), str(result.model_version))

    return trainer


def annotation_counter(every: int, start: Callable[[int], bool]) -> Callable[[int], bool]:
    """`count(project_id)` per new or updated annotation; starts a training every `every` of them.

    The count resets only when a training actually starts, so annotations made
    while one runs are counted toward the next.
    """
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def count(project_id: int) -> bool:
        with lock:
            counts[project_id] = counts.get(project_id, 0) + 1
            if every <= 0 or counts[project_id] < every:
                return False
        if start(project_id):
            with lock:
                counts[project_id] = 0
            return True
        return False

    return count
