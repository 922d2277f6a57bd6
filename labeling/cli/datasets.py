"""`labeling datasets list | show | diff | verify` and `labeling export-spacy`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import EXPORTS_DIR, ExportsDir, console, out, plural

datasets_app = typer.Typer(
    help="Look at and check the dataset versions that `labeling pull` wrote.\n\nExample: labeling datasets show conflict@v2", no_args_is_help=True
)


@datasets_app.command("list")
def list_cli(exports_dir: ExportsDir = EXPORTS_DIR) -> None:
    """List datasets and their versions.

    Example: labeling datasets list
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..datasets.store import list_datasets, read_manifest

    found = list_datasets(exports_dir)
    if not found:
        out.print(f"No datasets in {exports_dir}. Make one with: labeling pull --project TITLE --dataset NAME")
        return
    for name, versions in found:
        m = read_manifest(exports_dir / name / versions[-1])
        docs = sum(m["counts"]["documents"].values())
        out.print(f"{name}: {', '.join(versions)} (latest {versions[-1]}: {plural(docs, 'document')}, {m['created_at']})")


@datasets_app.command("show")
def show_cli(ref: str = typer.Argument(..., metavar="NAME[@vN]"), exports_dir: ExportsDir = EXPORTS_DIR) -> None:
    """Show a version's manifest: origin, policy, counts per split and label.

    Example: labeling datasets show conflict@v2
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..datasets.store import read_manifest, resolve

    vdir = resolve(exports_dir, ref)
    m = read_manifest(vdir)
    out.print(f"{vdir}  ({m['version']}, parent {m['parent'] or 'none'}, created {m['created_at']})")
    out.print(
        f"Label Studio {m['label_studio']['version']} at {m['label_studio']['url']}, project {m['project']['id']} "
        f"{m['project']['title']!r}, export {m['export_id']}, policy {m['policy']}"
    )
    out.print(
        f"Scheme {m['scheme']['name']} v{m['scheme']['version']} ({m['scheme']['digest'][:12]}), model versions: {', '.join(m['model_versions']) or 'none'}"
    )
    for split in ("train", "dev", "test"):
        n = m["counts"]["documents"][split]
        labels = ", ".join(f"{k} {v}" for k, v in sorted(m["counts"]["labels"][split].items()))
        out.print(f"  {split}: {plural(n, 'document')}; {labels or 'no spans'}; {plural(m['counts']['relations'][split], 'relation')}")
    tasks = m["summary"]["tasks"]
    out.print(f"Tasks: {tasks['total']} total, {tasks['annotated']} annotated, {tasks['skipped']} skipped, {tasks['unannotated']} not annotated")
    issues = ", ".join(f"{k} {v}" for k, v in m["summary"]["issues"].items())
    out.print(f"Issues: {issues or 'none'}; misaligned spans: {m['summary']['misaligned_spans']}")


@datasets_app.command("diff")
def diff_cli(a: str = typer.Argument(..., metavar="NAME@vA"), b: str = typer.Argument(..., metavar="NAME@vB"), exports_dir: ExportsDir = EXPORTS_DIR) -> None:
    """Documents added, removed and changed between two versions, with per-label span counts.

    Example: labeling datasets diff conflict@v1 conflict@v2
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..datasets.store import diff_versions, resolve

    d = diff_versions(resolve(exports_dir, a), resolve(exports_dir, b))
    for title, ids in (("added", d.added), ("removed", d.removed), ("changed", d.changed)):
        out.print(f"{title} ({len(ids)}): {', '.join(ids) if ids else '-'}")
    for label, (before, after) in d.label_deltas.items():
        out.print(f"  {label}: {before} -> {after} ({after - before:+d})")


@datasets_app.command("verify")
def verify_cli(ref: str = typer.Argument(..., metavar="NAME[@vN]"), exports_dir: ExportsDir = EXPORTS_DIR) -> None:
    """Recompute sha256 and line counts of a version's files; exit code 1 on any mismatch.

    NAME alone checks every version of the dataset. Example: labeling datasets verify conflict@v1
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..datasets.store import resolve, verify, versions

    name, _, ver = ref.partition("@")
    latest = resolve(exports_dir, ref)  # an unknown or invalid name fails here, never as "nothing to check"
    dirs = [latest] if ver else [exports_dir / name / v for v in versions(exports_dir / name)]
    bad = 0
    for vdir in dirs:
        problems = verify(vdir)
        for p in problems:
            console.print(f"[bold red]MISMATCH[/] {p}", soft_wrap=True)
        bad += len(problems)
        if not problems:
            out.print(f"{vdir}: OK")
    if bad:
        raise typer.Exit(1)


def export_spacy_cli(
    ref: str = typer.Argument(..., metavar="NAME[@vN]"),
    output: Path = typer.Option(..., "--output", "-o", help="Directory for train.spacy, dev.spacy, test.spacy."),
    exports_dir: ExportsDir = EXPORTS_DIR,
) -> None:
    """Write a dataset version as spaCy DocBin files for `spacy train`.

    doc.spans["sc"] holds every span; doc.ents the non-overlapping ACTOR and
    WEAPON spans (longest first, then earliest); doc._.rel the attributed_to
    relations as spaCy's rel_component tutorial reads them,
    {(claim token start, source token start): {"attributed_to": 1.0 or 0.0}}
    (register Doc.set_extension("rel", default={}) before reading). Example:

        labeling export-spacy conflict@v2 -o corpus/
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..datasets.docbin import export_spacy
    from ..datasets.store import resolve

    r = export_spacy(resolve(exports_dir, ref), output)
    for split, path in r.files.items():
        out.print(f"Wrote {path} ({plural(r.docs[split], 'document')})")
    out.print(f"{r.spans} spans in doc.spans['sc'], {r.ents} entities in doc.ents ({r.left_out_of_ents} overlapping ACTOR/WEAPON spans left out of ents).")
    out.print(f"{r.relations} attributed_to relations in doc._.rel (every other CLAIM -> SOURCE pair of a doc at 0.0).")
    if r.skipped_misaligned:
        console.print(f"[yellow]{plural(r.skipped_misaligned, 'span')} not on token boundaries left out.[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
    app.command("export-spacy")(export_spacy_cli)
