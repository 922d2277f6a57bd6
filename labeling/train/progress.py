"""Training progress from spaCy's loop to a callback: epoch, step, dev score, time left.

configs/train.cfg names this logger (`labeling.progress_logger.v1`); `reporting`
says where its lines go for the duration of one training. Without a callback
the logger stays silent (spaCy's own console table is not printed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from spacy.util import registry

_target: Callable[[dict[str, Any]], None] | None = None
_max_epochs = 0


@contextmanager
def reporting(on_progress: Callable[[dict[str, Any]], None] | None, max_epochs: int) -> Iterator[None]:
    global _target, _max_epochs
    old = _target, _max_epochs
    _target, _max_epochs = on_progress, max_epochs
    try:
        yield
    finally:
        _target, _max_epochs = old


@registry.loggers("labeling.progress_logger.v1")
def progress_logger():
    def setup(nlp, stdout, stderr):
        started = time.perf_counter()

        def log_step(info: dict[str, Any] | None) -> None:
            if info is None or _target is None:
                return
            epoch = info["epoch"] + 1
            elapsed = time.perf_counter() - started
            left = elapsed / epoch * (_max_epochs - epoch) if _max_epochs and epoch <= _max_epochs else None
            _target(
                {
                    "epoch": epoch,
                    "max_epochs": _max_epochs,
                    "step": info["step"],
                    "dev_score": info["score"],
                    "losses": dict(info["losses"]),
                    "elapsed": elapsed,
                    "eta": left,  # an upper bound: training stops early when the dev score stops improving
                }
            )

        def finalize() -> None:
            pass

        return log_step, finalize

    return setup
