"""`labeling serve`: our pre-annotator as a Label Studio ML backend."""

from __future__ import annotations

from pathlib import Path

import typer

from ..preannotate.run import DEFAULT_BATCH_SIZE
from ..serve.app import DEFAULT_MAX_CHARS, DEFAULT_PREDICT_TIMEOUT
from ._common import EXPORTS_DIR, ExportsDir


def serve_cli(
    ctx: typer.Context,
    model: str = typer.Option("rules", "--model", "-m", help="'rules' (the pre-annotator), an installed spaCy pipeline, or a trained pipeline directory."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; 0.0.0.0 exposes the backend to the network (set basic auth then)."),
    port: int = typer.Option(9090, "--port", "-p", min=1, max=65535, help="Port to listen on."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, "--max-chars", min=1, help="Longest task text accepted; longer ones are refused with HTTP 413."),
    train_every: int = typer.Option(0, "--train-every", min=0, help="Also train after every N new or updated annotations (0: only on Start Training)."),
    predict_timeout: float = typer.Option(
        DEFAULT_PREDICT_TIMEOUT,
        "--predict-timeout",
        min=0,
        help="Label Studio's ML_TIMEOUT_PREDICT: a request that cannot finish in time is refused early (413). 0: no limit.",
    ),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Tasks per nlp.pipe batch."),
    dataset: str | None = typer.Option(None, "--dataset", help="Dataset that training pulls into (default: project-<id>)."),
    exports_dir: ExportsDir = EXPORTS_DIR,  # training pulls dataset versions here
    models_dir: Path = typer.Option(Path("models"), "--models-dir", help="Where trained models are written."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
    learn_dir: Path = typer.Option(Path("learned"), "--learn-dir", help="Where each served project's memory of its annotations is kept (survives restarts)."),
    no_learn: bool = typer.Option(False, "--no-learn", help="Do not learn from annotations between trainings: suggestions are the model's alone."),
) -> None:
    """Run the pre-annotator as a Label Studio ML backend (/health, /setup, /predict, /webhook).

    Predictions and model_version are exactly those of `labeling preannotate`.
    Start Training in Label Studio (or --train-every N annotations) pulls the
    project and trains in the background; on success the backend switches model.
    Between trainings it learns from every submitted annotation (webhooks): what
    annotators marked is suggested wherever the same text recurs, what they
    removed is no longer suggested; model_version gains +learned-NNNN-HASH.
    Basic auth: set LABELING_SERVE_USER and LABELING_SERVE_PASSWORD in the environment.
    Any other `--section.key value` is a spaCy config override for those trainings,
    as `labeling train` takes them.

    Example: labeling serve --port 9090 --train-every 50 --training.max_epochs 10
    """
    from spacy.cli._util import parse_config_overrides

    from ..serve.run import serve

    train_overrides = parse_config_overrides(list(ctx.args))

    serve(
        host=host,
        port=port,
        log_level=log_level,
        model=model,
        max_chars=max_chars,
        train_every=train_every,
        predict_timeout=predict_timeout,
        batch_size=batch_size,
        dataset=dataset,
        exports_dir=exports_dir,
        models_dir=models_dir,
        learn_dir=None if no_learn else learn_dir,
        train_overrides=train_overrides,
    )


def register(app: typer.Typer) -> None:
    app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(serve_cli)
