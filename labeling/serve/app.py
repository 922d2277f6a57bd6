"""The ML backend's HTTP side (Starlette): Label Studio's protocol over a ModelHolder.

    GET  /health, GET /   -> {"status": "UP", "model_version", "model", "training"}
    POST /setup           -> {"model_version"}   (checks the project's labeling config)
    POST /predict         -> {"results": [...]}  one per task, in order
    POST /webhook         -> annotation events count toward --train-every; START_TRAINING trains
    POST /train           -> Label Studio's "Start Training" when its webhook flag is off

The routes themselves are `Backend`'s methods (handlers.py); this module wires
them, the optional basic auth and the error answers. Every refusal is a 4xx
JSON {"error", "hint"?, "details"?}; an unexpected failure is a 500 JSON
without a traceback (the traceback goes to the log).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..learn.live import LiveMemories
from .handlers import Backend, read_json
from .model import ModelHolder
from .protocol import BadRequest
from .settings import ServeSettings
from .trainer import TrainingWorker

log = logging.getLogger("labeling.serve")

USER_ENV = "LABELING_SERVE_USER"
PASSWORD_ENV = "LABELING_SERVE_PASSWORD"


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
    backend = Backend(holder, worker, settings, memories=memories)

    async def health(request: Request) -> Response:
        return await backend.health()

    routes = [
        Route("/", health, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/setup", _with_body(backend.setup), methods=["POST"]),
        Route("/predict", _with_body(backend.predict), methods=["POST"]),
        Route("/webhook", _with_body(backend.webhook), methods=["POST"]),
        Route("/train", _with_body(backend.train), methods=["POST"]),
    ]
    middleware = [Middleware(_BasicAuth, credentials=auth)] if auth else []
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={BadRequest: _bad_request, HTTPException: _http_error, Exception: _crash},
    )


def _with_body(handler: Callable[[dict[str, Any]], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A route endpoint: the request's JSON object handed to a Backend method."""

    async def endpoint(request: Request) -> Response:
        return await handler(await read_json(request))

    return endpoint


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    log.warning("%s %s -> %d: %s", request.method, request.url.path, exc.status, exc.message)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("%s %s failed", request.method, request.url.path)
    return JSONResponse({"error": f"internal error: {exc.__class__.__name__}", "hint": "See the backend's log."}, status_code=500)
