"""How large one import request may be: a module without imports, so `labeling push --help` shows the defaults without loading the SDK."""

DEFAULT_BATCH_COUNT = 500
DEFAULT_BATCH_BYTES = 8 * 1024 * 1024  # well under Label Studio's request limits
