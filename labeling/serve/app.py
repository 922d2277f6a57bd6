"""The ML backend's HTTP side (Starlette): Label Studio's protocol over a ModelHolder.

    GET  /health, GET /   -> {"status": "UP", "model_version", "model", "training"}
    POST /setup           -> {"model_version"}   (checks the project's labeling config)
    POST /predict         -> {"results": [...]}  one per task, in order
    POST /webhook         -> annotation events count toward --train-every; START_TRAINING trains
    POST /train           -> Label Studio's "Start Training" when its webhook flag is off

Every refusal is a 4xx JSON {"error", "hint"?, "details"?}; an unexpected
failure is a 500 JSON without a traceback (the traceback goes to the log).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..learn.live import DELETE_ACTIONS, UPDATE_ACTIONS, LiveMemories
from ..scheme import Scheme, default_scheme
from .model import ModelHolder, TooSlow
from .protocol import BadRequest, config_names, prediction, project_id, task_texts
from .trainer import TrainingWorker, annotation_counter

log = logging.getLogger("labeling.serve")

USER_ENV = "LABELING_SERVE_USER"
PASSWORD_ENV = "LABELING_SERVE_PASSWORD"
DEFAULT_MAX_CHARS = 100_000
# Label Studio's default ML_TIMEOUT_PREDICT (label_studio/ml/api_connector.py): it stops waiting for /predict after this.
DEFAULT_PREDICT_TIMEOUT = 100.0
# Label Studio's webhook actions (label_studio/webhooks/models.py WebhookAction) plus START_TRAINING.
# Label Studio sends the backend's webhook all of them; only these two kinds mean something here.
TRAINING_ACTIONS = {"START_TRAINING"}
ANNOTATION_ACTIONS = {"ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED"}
IGNORED_ACTIONS = {
    "PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED", "TASKS_CREATED", "TASKS_DELETED",
    "LABEL_LINK_CREATED", "LABEL_LINK_UPDATED", "LABEL_LINK_DELETED",
}  # fmt: skip


@dataclass
class ServeSettings:
    max_chars: int = DEFAULT_MAX_CHARS
    train_every: int = 0  # 0: only START_TRAINING trains
    predict_timeout: float = DEFAULT_PREDICT_TIMEOUT  # the Label Studio server's ML_TIMEOUT_PREDICT; 0: no limit
    # The scheme's labels and relation are what the model predicts; a project with other labels is refused.
    scheme: Scheme | None = None


def basic_auth_from_env() -> tuple[str, str] | None:
    """(user, password) when both LABELING_SERVE_USER and LABELING_SERVE_PASSWORD are set."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    return (user, password) if user and password else None


class _BasicAuth(BaseHTTPMiddleware):
    def __init__(self, app, credentials: tuple[str, str]):
        super().__init__(app)
        self.expected = ("Basic " + base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()).encode()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not secrets.compare_digest(given, self.expected):
            return JSONResponse(
                {"error": "authentication required", "hint": "Set the backend's Basic Auth user and password in the project's Model settings."},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="labeling serve"'},
            )
        return await call_next(request)


def create_app(
    holder: ModelHolder,
    worker: TrainingWorker | None = None,
    settings: ServeSettings | None = None,
    *,
    auth: tuple[str, str] | None = None,
    memories: LiveMemories | None = None,
) -> Starlette:
    """The backend as an ASGI app; `labeling serve` runs it with uvicorn, tests may call it in-process.

    With `memories`, each project's suggestions include what its annotators taught (labeling/learn/live.py).
    """
    settings = settings or ServeSettings()
    scheme = settings.scheme or default_scheme()
    counter = annotation_counter(settings.train_every, worker.start) if worker and settings.train_every > 0 else None
    started = time.time()

    async def health(request: Request) -> JSONResponse:
        model = holder.current
        return JSONResponse(
            {
                "status": "UP",
                "model_class": "labeling.serve",
                "model": model.name,
                "model_version": model.model_version,
                "training": worker.state() if worker else {"state": "disabled"},
                "train_every": settings.train_every,
                "max_chars": settings.max_chars,
                "learning": memories.state() if memories else {"state": "disabled"},
                "uptime_s": round(time.time() - started, 1),
            }
        )

    async def setup(request: Request) -> JSONResponse:
        body = await _json(request)
        config_names(body.get("schema"), scheme)  # refuse a project whose labels are not ours, with the difference
        pid = project_id(body.get("project"))
        if memories is not None and pid is not None:
            memories.setup(pid)
        return JSONResponse({"model_version": holder.model_version + (memories.suffix(pid) if memories else "")})

    async def predict(request: Request) -> JSONResponse:
        body = await _json(request)
        if "tasks" not in body:
            raise BadRequest('no "tasks" in the request', hint='Send {"tasks": [...], "label_config": "<View>..."} as Label Studio does.')
        names = config_names(body.get("label_config"), scheme)
        texts = task_texts(body["tasks"], names, max_chars=settings.max_chars)
        t0 = time.perf_counter()
        limit = settings.predict_timeout or None
        try:
            annotated = await run_in_threadpool(holder.annotate, texts, time_limit=limit)  # keeps /health answering while spaCy works
        except TooSlow as slow:
            fits = max(1, int(slow.rate * (limit or 0) * 0.8))
            raise BadRequest(
                f"{slow.total} tasks would take about {slow.projected:.0f} s at the measured {slow.rate:.1f} tasks/s, over Label Studio's "
                f"ML_TIMEOUT_PREDICT of {limit:.0f} s: Label Studio would drop the answer",
                status=413,
                hint=f"Retrieve predictions for at most about {fits} tasks at a time, or raise ML_TIMEOUT_PREDICT on the Label Studio server "
                "and start `labeling serve --predict-timeout` with the same value.",
            ) from None
        applier = memories.applier(project_id(body.get("project"))) if memories else None
        if applier is not None:
            annotated = [applier(a) for a in annotated]
        version = annotated[0].model_version if annotated else holder.model_version
        log.info("predicted %d tasks in %.2fs (%s)", len(texts), time.perf_counter() - t0, version)
        return JSONResponse({"results": [prediction(a, names) for a in annotated], "model_version": version})

    async def webhook(request: Request) -> JSONResponse:
        body = await _json(request)
        action = body.get("action")
        if action in TRAINING_ACTIONS:
            return _start_training(body.get("project"))
        learned = _learn(action, body)
        if action in ANNOTATION_ACTIONS:
            if counter is None:
                return JSONResponse({"status": learned or "ignored", "reason": "--train-every is off"})
            pid = project_id(body.get("project"))
            if pid is None:
                raise BadRequest(f"{action} without a project id", status=422)
            return JSONResponse({"status": "training started" if counter(pid) else "counted"})
        if learned:
            return JSONResponse({"status": learned})
        if action in IGNORED_ACTIONS or action in DELETE_ACTIONS:
            return JSONResponse({"status": "ignored"})
        raise BadRequest(
            f"unknown webhook action {action!r}",
            hint=f"This backend acts on {', '.join(sorted(TRAINING_ACTIONS | ANNOTATION_ACTIONS))}.",
        )

    def _learn(action: Any, body: dict[str, Any]) -> str | None:
        """Record an annotation event for the project's memory (the work runs after the answer)."""
        if memories is None or action not in UPDATE_ACTIONS | DELETE_ACTIONS:
            return None
        pid = project_id(body.get("project"))
        if pid is None:
            raise BadRequest(f"{action} without a project id", status=422)
        if not memories.serves(pid):
            raise BadRequest(
                f"project {pid} is not served by this backend: no memory to update",
                status=404,
                hint="Connect the backend to the project (labeling backend connect --project TITLE --url URL): Label Studio then calls /setup.",
            )
        memories.record(action, pid, body)
        return "recorded"

    async def train(request: Request) -> JSONResponse:
        body = await _json(request)
        return _start_training(body.get("project"))

    def _start_training(project: Any) -> JSONResponse:
        if worker is None:
            raise BadRequest("training is off for this backend", status=409)
        pid = project_id(project)
        if pid is None:
            raise BadRequest("START_TRAINING without a project id", status=422)
        if worker.start(pid):
            return JSONResponse({"status": "training started", "project": pid}, status_code=202)
        # Not an error: a second "Start Training" while one runs is answered, not queued (Label Studio marks a 4xx as a broken backend).
        return JSONResponse({"status": "already training", "training": worker.state()})

    async def bad_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        log.warning("%s %s -> %d: %s", request.method, request.url.path, exc.status, exc.message)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"error": f"internal error: {exc.__class__.__name__}", "hint": "See the backend's log."}, status_code=500)

    routes = [
        Route("/", health, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/setup", setup, methods=["POST"]),
        Route("/predict", predict, methods=["POST"]),
        Route("/webhook", webhook, methods=["POST"]),
        Route("/train", train, methods=["POST"]),
    ]
    middleware = [Middleware(_BasicAuth, credentials=auth)] if auth else []
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={BadRequest: bad_request, HTTPException: http_error, Exception: crash},
    )


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}", hint="Send a JSON object with Content-Type: application/json.") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body
