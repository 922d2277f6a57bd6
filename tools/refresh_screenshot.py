"""Regenerate docs/screenshot-labeling.png: a sample article with its pre-annotations in Label Studio's labeling screen.

    .venv/bin/python tools/refresh_screenshot.py

Starts its own Label Studio in a temporary directory, pushes the sample corpus,
opens wire-001 in headless Chromium (Debian's, as the browser test does; see
.ci/install-chromium) and saves the screenshot. Stops the server at the end.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labeling.paths import sample_dir  # noqa: E402
from labeling.push.run import push_inputs  # noqa: E402
from labeling.studio import server  # noqa: E402
from labeling.studio.client import Studio  # noqa: E402
from tests.browser_helpers import HIGHLIGHT, chromium_page, credentials, login, missing_requirements, open_task  # noqa: E402

OUT = REPO / "docs" / "screenshot-labeling.png"


def main() -> int:
    if missing := missing_requirements():
        print(f"Needs Chromium and Playwright: {missing}", file=sys.stderr)
        return 1
    home = Path(tempfile.mkdtemp(prefix="labeling-screenshot-"))
    server.start(home, port=server.free_port(), timeout=600)
    try:
        creds = server.load_credentials(home)
        assert creds is not None
        studio = Studio(creds.url, creds.token)
        result = push_inputs([sample_dir() / "articles"], studio, title="Sample articles")
        ((task_id, _),) = [(tid, d) for tid, d in studio.iter_task_data(result.project.id) if d.get("doc_id") == "wire-001"]
        c = credentials(home)
        with chromium_page() as page:
            login(page, c["url"], c["email"], c["password"])
            open_task(page, c["url"], result.project.id, task_id)
            page.wait_for_selector(HIGHLIGHT)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT))
        print(f"Wrote {OUT}")
    finally:
        server.stop(home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
