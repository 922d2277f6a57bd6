"""Playwright helpers for driving Label Studio 1.23's labeling screen in Debian's Chromium.

Selectors (Label Studio 1.23.2, new UI):
    text of the task       .lsf-richtext__container   (a div, no iframe)
    a region in the text   .htx-highlight              (one or more <span>s per region)
    a region in the list   .lsf-outliner-item          (side panel "Regions"; __text / .lsf-labels-list)
    a label button         .lsf-label                  (with .lsf-label__text and __hotkey)
    submit                 button "Submit" (aria-label "submit"); afterwards
                           [data-testid=bottombar-update-button] ("Update")
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}

TEXT = ".lsf-richtext__container"
HIGHLIGHT = f"{TEXT} .htx-highlight"
REGION_ITEM = ".lsf-outliner-item"
REGION_ITEM_TEXT = ".lsf-outliner-item__text"
REGION_ITEM_LABEL = ".lsf-labels-list .lsf-labels-list"


def missing_requirements() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (install Debian's chromium: .ci/install-chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def chromium_page(timeout_ms: float = 30_000) -> Iterator[Page]:  # noqa: F821
    """A fresh headless Chromium page (Debian's binary, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-US")
            context.set_default_timeout(timeout_ms)
            yield context.new_page()
        finally:
            browser.close()


@contextmanager
def chromium_people(n: int, timeout_ms: float = 30_000) -> Iterator[list]:
    """`n` pages in separate browser contexts (own cookies): n people at n computers, one Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            pages = []
            for _ in range(n):
                context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                context.set_default_timeout(timeout_ms)
                pages.append(context.new_page())
            yield pages
        finally:
            browser.close()


def login(page, url: str, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/user/login" in page.url:
        raise AssertionError(f"login as {email} failed: still on {page.url}")


def credentials(home: Path) -> dict:
    return json.loads((home / "credentials.json").read_text())


def open_task(page, url: str, project_id: int, task_id: int) -> None:
    """The labeling screen of one task (Data Manager with the task opened)."""
    page.goto(f"{url}/projects/{project_id}/data?task={task_id}")
    page.wait_for_selector(TEXT, state="visible")


def wait_region_count(page, n: int, timeout_ms: float = 15_000) -> None:
    page.wait_for_function(f"document.querySelectorAll({REGION_ITEM!r}).length === {n}", timeout=timeout_ms)


def region_list(page) -> list[tuple[str, str]]:
    """(label, text) of every region in the side panel, in panel order."""
    pairs = page.eval_on_selector_all(
        REGION_ITEM,
        f"""items => items.map(el => [
            (el.querySelector({REGION_ITEM_LABEL!r}) || {{}}).textContent || '',
            (el.querySelector({REGION_ITEM_TEXT!r}) || {{}}).textContent || ''])""",
    )
    return [(label, text) for label, text in pairs]


def highlighted_text(page) -> list[str]:
    """Text of each highlighted <span> in the task text (a region may span several)."""
    return page.eval_on_selector_all(HIGHLIGHT, "els => els.map(e => e.textContent)")


def region_item(page, label: str, text: str):
    """The side-panel entry of the region with this label and text."""
    return page.locator(REGION_ITEM).filter(has=page.locator(REGION_ITEM_LABEL, has_text=label)).filter(has=page.locator(REGION_ITEM_TEXT, has_text=text))


# Finds the `occurrence`-th copy of `needle` in the text container's text
# nodes and returns the client rectangles of its first and last character.
# Works in JS string units, so emoji before the needle do not matter.
_CHAR_RECTS_JS = """
([selector, needle, occurrence]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let full = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, full.length]); full += n.data; }
  let at = -1;
  for (let i = 0; i <= occurrence; i++) { at = full.indexOf(needle, at + 1); if (at < 0) return null; }
  const locate = (pos) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]]; };
  const charRect = (pos) => {
    const [node, off] = locate(pos);
    const r = document.createRange(); r.setStart(node, off); r.setEnd(node, off + 1);
    const b = r.getBoundingClientRect();
    return {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  };
  return {first: charRect(at), last: charRect(at + needle.length - 1)};
}
"""


def drag_over(page, needle: str, occurrence: int = 0) -> None:
    """Press the mouse on the first character of `needle` in the task text and release it on the last."""
    rects = page.evaluate(_CHAR_RECTS_JS, [TEXT, needle, occurrence])
    if rects is None:
        raise AssertionError(f"{needle!r} is not in the task text")
    first, last = rects["first"], rects["last"]
    x0, y0 = first["left"] + 1, (first["top"] + first["bottom"]) / 2
    x1, y1 = last["right"] - 1, (last["top"] + last["bottom"]) / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    steps = 8
    for i in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
    page.mouse.up()


class Shots:
    """Numbered screenshots of each step under one directory (test artefacts)."""

    def __init__(self, directory: Path):
        self.dir = directory
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def take(self, page, name: str) -> Path | None:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception:  # a screenshot must never hide the real failure
            return None
        return path


def select_label(page, label: str, hotkey: str) -> None:
    """Make `label` the active label for the next span: its hotkey, else a click on its button."""
    selected = page.locator(".lsf-label_selected", has_text=label)
    page.keyboard.press(hotkey)
    try:
        selected.wait_for(state="visible", timeout=3_000)
    except Exception:
        page.locator(".lsf-label", has=page.locator(".lsf-label__text", has_text=label)).first.click()
        selected.wait_for(state="visible")


# Region id -> its text as highlighted: the highlight <span>s of one region
# carry the class htx-highlight-<region id>-<n>; joined in document order.
_HIGHLIGHTS_JS = """
els => {
  const out = {};
  for (const el of els) {
    for (const c of el.classList) {
      const m = /^htx-highlight-(.+)-\\d+$/.exec(c);
      if (m) out[m[1]] = (out[m[1]] || '') + el.textContent;
    }
  }
  return out;
}
"""


def highlights_by_region(page) -> dict[str, str]:
    return page.eval_on_selector_all(HIGHLIGHT, _HIGHLIGHTS_JS)
