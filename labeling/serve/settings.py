"""The backend's settings and their defaults: light to import, so the CLI's options can show them without loading the backend."""

from __future__ import annotations

from dataclasses import dataclass

from ..scheme import Scheme

DEFAULT_MAX_CHARS = 100_000
# Label Studio's default ML_TIMEOUT_PREDICT (label_studio/ml/api_connector.py): it stops waiting for /predict after this.
DEFAULT_PREDICT_TIMEOUT = 100.0


@dataclass
class ServeSettings:
    max_chars: int = DEFAULT_MAX_CHARS
    train_every: int = 0  # 0: only START_TRAINING trains
    predict_timeout: float = DEFAULT_PREDICT_TIMEOUT  # the Label Studio server's ML_TIMEOUT_PREDICT; 0: no limit
    # The scheme's labels and relation are what the model predicts; a project with other labels is refused.
    scheme: Scheme | None = None
