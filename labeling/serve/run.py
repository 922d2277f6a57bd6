"""`labeling serve` as a library: build the backend (model, worker, app) and run it with uvicorn.

app, holder, worker = build_backend(model="rules", train_every=20)
serve(model="rules", host="127.0.0.1", port=9090)
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from ..errors import LabelingError, PortTaken
from ..learn.live import LiveMemories
from .app import basic_auth_from_env, create_app
from .connect import VersionFollower
from .model import RULES, ModelHolder, load_model
from .settings import DEFAULT_MAX_CHARS, DEFAULT_PREDICT_TIMEOUT, ServeSettings
from .trainer import Trainer, TrainingWorker, pull_and_train

log = logging.getLogger("labeling.serve")


def build_backend(
    *,
    model: str = RULES,
    max_chars: int = DEFAULT_MAX_CHARS,
    train_every: int = 0,
    predict_timeout: float = DEFAULT_PREDICT_TIMEOUT,
    batch_size: int = 64,
    trainer: Trainer | None = None,
    dataset: str | None = None,
    exports_dir: Path = Path("exports"),
    models_dir: Path = Path("models"),
    auth: tuple[str, str] | None = None,
    update_project: bool = True,
    learn_dir: Path | None = Path("learned"),
    train_overrides: dict[str, Any] | None = None,
) -> tuple[Starlette, ModelHolder, TrainingWorker]:
    """Load the model once and wire it to the HTTP app, the training worker and (unless learn_dir is None) the projects' memories."""
    if max_chars < 1 or train_every < 0 or batch_size < 1 or predict_timeout < 0:
        raise LabelingError("--max-chars and --batch-size must be at least 1, --train-every and --predict-timeout at least 0")
    holder = ModelHolder(load_model(model), batch_size=batch_size)
    trainer = trainer or pull_and_train(dataset=dataset, exports_dir=exports_dir, models_dir=models_dir, overrides=train_overrides)
    memories: LiveMemories | None = None

    follower = VersionFollower(lambda: holder.model_version, lambda pid: memories.suffix(pid) if memories else "")
    follow = follower.follow if update_project else None
    if learn_dir is not None:
        memories = LiveMemories(learn_dir, follow=follow)
    worker = TrainingWorker(holder, trainer, on_switch=follow)
    settings = ServeSettings(max_chars=max_chars, train_every=train_every, predict_timeout=predict_timeout)
    app = create_app(holder, worker, settings, auth=auth, memories=memories)
    return app, holder, worker


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def check_port(host: str, port: int) -> None:
    """PortTaken, naming the next free port, when `port` on `host` cannot be bound."""
    if _bindable(host, port):
        return
    free = next((p for p in range(port + 1, min(port + 200, 65536)) if _bindable(host, p)), None)
    raise PortTaken(
        f"Port {port} on {host} is already in use (another `labeling serve`, or another program).",
        f"Use a free one: labeling serve --port {free}" if free else "Stop the program using it, or pick another --port.",
    )


def serve(*, host: str = "127.0.0.1", port: int = 9090, log_level: str = "info", **backend) -> None:
    """Run the backend until interrupted. Basic auth comes from LABELING_SERVE_USER / LABELING_SERVE_PASSWORD only."""
    check_port(host, port)  # before the pipeline loads: a taken port fails in a second, not after the model
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    auth = basic_auth_from_env()
    app, holder, _ = build_backend(auth=auth, **backend)
    log.info("serving %s (model_version %s) on http://%s:%d%s", holder.current.name, holder.model_version, host, port, " with basic auth" if auth else "")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
