"""The package's shape, read from its source with ast (no Label Studio; well under 2 s).

- no module in labeling/ over 350 lines, no function over 60 lines unless a `# long: <why>` comment
  stands on the line before its `def` (or before its decorators);
- label_studio_sdk is imported only under labeling/studio/ (the adapter);
- docs/design.md's module table names every subpackage and top-level module, and names none that is gone;
- `labeling --help` does not import spaCy, the Label Studio SDK, Dask or the backend's web stack
  (the commands import them when they run).
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "labeling"
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60
LONG_COMMENT = re.compile(r"^\s*#\s*long:\s*\S")
HEAVY = ("spacy", "label_studio_sdk", "dask", "distributed", "starlette", "uvicorn", "playwright")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@functools.cache
def _parsed(path: Path) -> tuple[list[str], ast.Module]:
    source = path.read_text(encoding="utf-8")
    return source.splitlines(), ast.parse(source, filename=str(path))


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method with its qualified name (Class.method, outer.inner)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + child.name, child
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def _excused(lines: list[str], fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A `# long: <why>` comment on the line before the def or before its first decorator."""
    starts = {fn.lineno, min([d.lineno for d in fn.decorator_list] + [fn.lineno])}
    return any(start >= 2 and LONG_COMMENT.match(lines[start - 2]) for start in starts)


def test_no_module_over_350_lines():
    long = [f"{_name(p)}: {n} lines" for p in _modules() if (n := len(_parsed(p)[0])) > MAX_MODULE_LINES]
    assert not long, f"modules over {MAX_MODULE_LINES} lines; split them along their own seams:\n" + "\n".join(long)


def test_no_function_over_60_lines_without_a_reason():
    long = []
    for path in _modules():
        lines, tree = _parsed(path)
        for qualname, fn in _functions(tree):
            length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if length > MAX_FUNCTION_LINES and not _excused(lines, fn):
                long.append(f"{_name(path)}:{fn.lineno} {qualname}: {length} lines")
    assert not long, (
        f"functions over {MAX_FUNCTION_LINES} lines; split them into named steps, or put `# long: <why>` on the line before the def:\n" + "\n".join(long)
    )


def test_the_long_comment_is_read_where_it_stands():
    lines = ["# long: typer options", "def f():", "    pass", "@decorator", "def g():", "    pass"]
    tree = ast.parse("\n".join(lines))
    f, g = (fn for _, fn in _functions(tree))
    assert _excused(lines, f) and not _excused(lines, g)
    assert not LONG_COMMENT.match("# long:") and not LONG_COMMENT.match("# longer names below")


def test_only_the_studio_adapter_imports_the_label_studio_sdk():
    outside = []
    for path in _modules():
        if path.is_relative_to(PACKAGE / "studio"):
            continue
        for node in ast.walk(_parsed(path)[1]):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            outside += [f"{_name(path)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] == "label_studio_sdk"]
    assert not outside, "label_studio_sdk is for labeling/studio/ only (go through labeling.studio.client.Studio):\n" + "\n".join(outside)


def _module_table() -> list[str]:
    """The lines of docs/design.md's module table: the code block that starts with `labeling/`."""
    text = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    for block in re.findall(r"^```\n(.*?)^```", text, flags=re.S | re.M):
        if block.startswith("labeling/\n"):
            return block.splitlines()[1:]
    raise AssertionError("docs/design.md has no module table (a code block starting with `labeling/`)")


def test_the_design_notes_module_table_matches_the_tree():
    top: set[str] = set()  # names in the table's first column: `ingest/`, `demo.py`, `errors.py paths.py ...`
    inner: dict[str, set[str]] = {}  # package -> module names listed under it
    package = None
    for line in _module_table():
        indent = len(line) - len(line.lstrip(" "))
        first_column = re.split(r"\s{2,}", line.strip())[0]
        words = [w for w in first_column.split() if w.endswith((".py", "/"))]
        if indent == 2:
            top |= set(words)
            package = words[-1].rstrip("/") if words and words[-1].endswith("/") else None
        elif indent == 4 and package:
            inner.setdefault(package, set()).update(w for w in words if w.endswith(".py"))
    tree = {p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    tree |= {p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    assert not tree - top, f"docs/design.md's module table does not name {sorted(tree - top)}: add a row for each"
    assert not top - tree, f"docs/design.md's module table names {sorted(top - tree)}, which labeling/ no longer has"
    gone = sorted(f"{pkg}/{name}" for pkg, names in inner.items() for name in names if not (PACKAGE / pkg / name).is_file())
    assert not gone, f"docs/design.md's module table names modules that do not exist: {gone}"


def test_the_command_starts_without_the_heavy_libraries():
    probe = f"import sys, labeling.cli; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True).stdout.split()
    assert not loaded, f"importing the CLI loads {loaded}: import them inside the command that needs them, not at a module's top"
