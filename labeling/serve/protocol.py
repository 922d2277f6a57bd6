"""What Label Studio sends an ML backend, checked; what it expects back, built.

Label Studio's side is `label_studio/ml/api_connector.py` and `ml/models.py`:
`/predict` gets {"tasks": [...], "project": "<id>.<ts>", "label_config": XML,
"params": {...}} and must answer {"results": [...]}, one item per task in
order; an item is {"result", "score", "model_version"}. A count mismatch makes
Label Studio drop the whole batch (or retry one task per request), so a bad
task fails the request with its id instead of being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import LabelConfigInvalid
from ..records import Annotated
from ..scheme import FROM_NAME, TO_NAME, Scheme, parse_label_config, scheme_differences


class BadRequest(Exception):
    """A request the backend refuses: becomes a 4xx JSON answer, never a 500."""

    def __init__(self, message: str, *, status: int = 400, hint: str | None = None, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.hint = hint
        self.details = details or []

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class ConfigNames:
    """Where a labeling config puts the text and our labels: tag names and the task data field."""

    text_field: str  # the task data key, from <Text value="$text">
    from_name: str  # <Labels name=...>
    to_name: str  # <Text name=...>


OUR_CONFIG = ConfigNames("text", FROM_NAME, TO_NAME)


def config_names(label_config: str | None, scheme: Scheme) -> ConfigNames:
    """Read the text field and tag names from a labeling config; its labels must be the scheme's.

    No config (a client that sends none): our own generated config's names.
    """
    if not label_config:
        return OUR_CONFIG
    try:
        config = parse_label_config(label_config)
    except LabelConfigInvalid as exc:
        raise BadRequest(f"label_config is not valid XML: {exc.reason}", status=422) from None
    tag = config.text_labels()
    if tag is None:
        raise BadRequest(
            "label_config has no <Labels> tag pointing at a <Text> tag",
            status=422,
            hint="This backend annotates text spans: use the config `labeling push` creates (see configs/scheme.toml).",
        )
    diffs = scheme_differences(scheme, tag.labels, config.relations, where="the labeling config", styles=False)
    if diffs:
        raise BadRequest(
            f"the project's labels are not scheme {scheme.name!r} v{scheme.version}: " + "; ".join(diffs),
            status=422,
            hint="Push into a project made from the scheme (labeling push ... --project TITLE), or update the project's labeling config.",
            details=diffs,
        )
    to_name = tag.to_name
    value = config.texts[to_name]
    if not value.startswith("$") or len(value) < 2:
        raise BadRequest(f"<Text name={to_name!r}> takes its text from {value!r}, not from a task data field ($field)", status=422)
    return ConfigNames(value[1:], tag.name, to_name)


def task_texts(tasks: Any, names: ConfigNames, *, max_chars: int) -> list[tuple[str, str]]:
    """(task id, text) for every task, or BadRequest naming the first bad task."""
    if not isinstance(tasks, list):
        raise BadRequest('"tasks" must be a list of Label Studio tasks', status=422)
    out = []
    for n, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise BadRequest(f"task #{n} is not a JSON object", status=422)
        task_id = str(task.get("id", f"#{n}"))
        data = task.get("data")
        text = data.get(names.text_field) if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise BadRequest(
                f'task {task_id} has no text in data.{names.text_field} (the field the labeling config\'s <Text value="${names.text_field}"> names)',
                status=422,
                hint="Import tasks whose data holds that field, or fix the labeling config.",
            )
        if len(text) > max_chars:
            raise BadRequest(
                f"task {task_id}: text of {len(text):,} characters is over this backend's --max-chars {max_chars:,}",
                status=413,
                hint="Split the document (labeling push --split-long) or restart `labeling serve` with a larger --max-chars.",
            )
        out.append((task_id, text))
    return out


def prediction(annotated: Annotated, names: ConfigNames) -> dict[str, Any]:
    """One /predict result item: exactly `labeling preannotate`'s prediction, with the config's tag names."""
    pred = annotated.prediction()
    if names.from_name != FROM_NAME or names.to_name != TO_NAME:
        for item in pred["result"]:
            if item.get("type") == "labels":
                item["from_name"], item["to_name"] = names.from_name, names.to_name
    return pred


def project_id(value: Any) -> int | None:
    """Label Studio names a project "<id>.<created timestamp>" in /setup and /predict, and {"id": ...} in webhooks."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.split(".", 1)[0].isdigit():
        return int(value.split(".", 1)[0])
    return None
