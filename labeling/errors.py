"""Typed errors. Library code raises these; only the CLI prints and exits.

Every error carries a `hint`: the next step a user should take.
"""

from __future__ import annotations


class LabelingError(Exception):
    """Base class: a message for the user plus the next step."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  -> {self.hint}"


class ConfigError(LabelingError):
    """A config file in configs/ (or one the user named) is missing or invalid."""


class LabelConfigInvalid(ConfigError):
    """A Label Studio labeling config that is not valid XML."""

    def __init__(self, reason: str):
        super().__init__(f"The labeling config is not valid XML: {reason}", "Use the config `labeling push` makes from configs/scheme.toml.")
        self.reason = reason


class InputError(LabelingError):
    """Bad input data: names the file and line (or byte offset)."""

    def __init__(self, location: str, reason: str, hint: str | None = None):
        super().__init__(f"{location}: {reason}", hint or "Fix the record, or pass --skip-invalid to skip bad records.")
        self.location = location
        self.reason = reason


class ServerError(LabelingError):
    """The embedded Label Studio server could not be started, stopped or found."""


class PortTaken(LabelingError):
    """The port a command would listen on is already in use."""


class ConnectionFailed(LabelingError):
    """Label Studio is unreachable, or the URL does not point at Label Studio."""


class AuthFailed(LabelingError):
    """Label Studio refused the API token."""


class ProjectNotFound(LabelingError):
    """No project with that title or id."""


class ProjectGone(ProjectNotFound):
    """The project was deleted while we wrote to it: a twin that a concurrent push removed."""


class DuplicatesNeedReview(LabelingError):
    """A document holds several tasks that all carry annotations: a person must choose."""


class ConfigConflict(LabelingError):
    """An existing project's labeling config differs from the scheme in a way Label Studio will not accept."""


class DatasetError(LabelingError):
    """A dataset or version is missing, malformed or fails verification."""


class ExportTimeout(LabelingError):
    """Label Studio did not finish building an export before the deadline."""


class NothingToPull(LabelingError):
    """The project has no counting annotations yet."""


class RequestRejected(LabelingError):
    """Label Studio refused a request's content (HTTP 400): the data, not the connection, is at fault."""


class DatabaseLocked(LabelingError):
    """Label Studio answered `database is locked`: its SQLite database serves one writer at a time."""


class RemovalBusy(LabelingError):
    """Another push on this machine held the project's duplicate-removal lock for too long."""
