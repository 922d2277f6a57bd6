"""Limits of the requests to Label Studio: a module without imports, so `labeling push --help` shows the defaults without loading the SDK."""

DEFAULT_BATCH_COUNT = 500
DEFAULT_BATCH_BYTES = 8 * 1024 * 1024  # well under Label Studio's request limits
# Without Redis, Label Studio builds an export inside the create request: minutes for 100,000
# tasks (about 4 on SQLite here), far beyond the default timeout. Never retried: a retry would
# start a second export while the first is still being built.
EXPORT_REQUEST_TIMEOUT = 3600
# Seconds from asking for an export until it must be ready (with rq workers it is built after the request).
EXPORT_READY_TIMEOUT = 3600.0
