"""The ML backend's routes, one method each, over the state they share (`Backend`).

app.py wires them into Starlette; a test can call one directly:

    backend = Backend(holder)
    await backend.setup({"schema": config_xml, "project": "3.1700000000"})

Each method takes the request's JSON body (already checked to be an object by
`read_json`) and returns the answer, or raises `BadRequest` (a 4xx JSON).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..learn.live import DELETE_ACTIONS, UPDATE_ACTIONS, LiveMemories
from ..scheme import default_scheme
from .model import ModelHolder, TooSlow
from .protocol import BadRequest, config_names, prediction, project_id, task_texts
from .settings import ServeSettings
from .trainer import TrainingWorker, annotation_counter

log = logging.getLogger("labeling.serve")

# Label Studio's webhook actions (label_studio/webhooks/models.py WebhookAction) plus START_TRAINING.
# Label Studio sends the backend's webhook all of them; only these two kinds mean something here.
TRAINING_ACTIONS = {"START_TRAINING"}
ANNOTATION_ACTIONS = {"ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED"}
IGNORED_ACTIONS = {
    "PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED", "TASKS_CREATED", "TASKS_DELETED",
    "LABEL_LINK_CREATED", "LABEL_LINK_UPDATED", "LABEL_LINK_DELETED",
}  # fmt: skip


class Backend:
    """What the routes share: the model, the training worker, the settings, the live memories."""

    def __init__(
        self,
        holder: ModelHolder,
        worker: TrainingWorker | None = None,
        settings: ServeSettings | None = None,
        *,
        memories: LiveMemories | None = None,
    ):
        self.holder = holder
        self.worker = worker
        self.settings = settings or ServeSettings()
        self.scheme = self.settings.scheme or default_scheme()
        self.memories = memories
        every = self.settings.train_every
        self.counter = annotation_counter(every, worker.start) if worker and every > 0 else None
        self.started = time.time()

    async def health(self) -> JSONResponse:
        model = self.holder.current
        return JSONResponse(
            {
                "status": "UP",
                "model_class": "labeling.serve",
                "model": model.name,
                "model_version": model.model_version,
                "training": self.worker.state() if self.worker else {"state": "disabled"},
                "train_every": self.settings.train_every,
                "max_chars": self.settings.max_chars,
                "learning": self.memories.state() if self.memories else {"state": "disabled"},
                "uptime_s": round(time.time() - self.started, 1),
            }
        )

    async def setup(self, body: dict[str, Any]) -> JSONResponse:
        config_names(body.get("schema"), self.scheme)  # refuse a project whose labels are not ours, with the difference
        pid = project_id(body.get("project"))
        if self.memories is not None and pid is not None:
            self.memories.setup(pid)
        return JSONResponse({"model_version": self.holder.model_version + (self.memories.suffix(pid) if self.memories else "")})

    async def predict(self, body: dict[str, Any]) -> JSONResponse:
        if "tasks" not in body:
            raise BadRequest('no "tasks" in the request', hint='Send {"tasks": [...], "label_config": "<View>..."} as Label Studio does.')
        names = config_names(body.get("label_config"), self.scheme)
        texts = task_texts(body["tasks"], names, max_chars=self.settings.max_chars)
        t0 = time.perf_counter()
        limit = self.settings.predict_timeout or None
        try:
            annotated = await run_in_threadpool(self.holder.annotate, texts, time_limit=limit)  # keeps /health answering while spaCy works
        except TooSlow as slow:
            raise _too_slow(slow, limit or 0) from None
        applier = self.memories.applier(project_id(body.get("project"))) if self.memories else None
        if applier is not None:
            annotated = [applier(a) for a in annotated]
        version = annotated[0].model_version if annotated else self.holder.model_version
        log.info("predicted %d tasks in %.2fs (%s)", len(texts), time.perf_counter() - t0, version)
        return JSONResponse({"results": [prediction(a, names) for a in annotated], "model_version": version})

    async def webhook(self, body: dict[str, Any]) -> JSONResponse:
        action = body.get("action")
        if action in TRAINING_ACTIONS:
            return self._start_training(body.get("project"))
        learned = self._learn(action, body)
        if action in ANNOTATION_ACTIONS:
            if self.counter is None:
                return JSONResponse({"status": learned or "ignored", "reason": "--train-every is off"})
            pid = project_id(body.get("project"))
            if pid is None:
                raise BadRequest(f"{action} without a project id", status=422)
            return JSONResponse({"status": "training started" if self.counter(pid) else "counted"})
        if learned:
            return JSONResponse({"status": learned})
        if action in IGNORED_ACTIONS or action in DELETE_ACTIONS:
            return JSONResponse({"status": "ignored"})
        raise BadRequest(
            f"unknown webhook action {action!r}",
            hint=f"This backend acts on {', '.join(sorted(TRAINING_ACTIONS | ANNOTATION_ACTIONS))}.",
        )

    async def train(self, body: dict[str, Any]) -> JSONResponse:
        return self._start_training(body.get("project"))

    def _learn(self, action: Any, body: dict[str, Any]) -> str | None:
        """Record an annotation event for the project's memory (the work runs after the answer)."""
        if self.memories is None or action not in UPDATE_ACTIONS | DELETE_ACTIONS:
            return None
        pid = project_id(body.get("project"))
        if pid is None:
            raise BadRequest(f"{action} without a project id", status=422)
        if not self.memories.serves(pid):
            raise BadRequest(
                f"project {pid} is not served by this backend: no memory to update",
                status=404,
                hint="Connect the backend to the project (labeling backend connect --project TITLE --url URL): Label Studio then calls /setup.",
            )
        self.memories.record(action, pid, body)
        return "recorded"

    def _start_training(self, project: Any) -> JSONResponse:
        if self.worker is None:
            raise BadRequest("training is off for this backend", status=409)
        pid = project_id(project)
        if pid is None:
            raise BadRequest("START_TRAINING without a project id", status=422)
        if self.worker.start(pid):
            return JSONResponse({"status": "training started", "project": pid}, status_code=202)
        # Not an error: a second "Start Training" while one runs is answered, not queued (Label Studio marks a 4xx as a broken backend).
        return JSONResponse({"status": "already training", "training": self.worker.state()})


def _too_slow(slow: TooSlow, limit: float) -> BadRequest:
    """A batch that would outlast Label Studio's wait: refused before the work, with a batch size that fits."""
    fits = max(1, int(slow.rate * limit * 0.8))
    return BadRequest(
        f"{slow.total} tasks would take about {slow.projected:.0f} s at the measured {slow.rate:.1f} tasks/s, over Label Studio's "
        f"ML_TIMEOUT_PREDICT of {limit:.0f} s: Label Studio would drop the answer",
        status=413,
        hint=f"Retrieve predictions for at most about {fits} tasks at a time, or raise ML_TIMEOUT_PREDICT on the Label Studio server "
        "and start `labeling serve --predict-timeout` with the same value.",
    )


async def read_json(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object, or a 400 saying what is wrong with it."""
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}", hint="Send a JSON object with Content-Type: application/json.") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body
