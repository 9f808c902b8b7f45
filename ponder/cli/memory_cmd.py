"""`ponder memory`: look into the memory store, move it between machines, and tidy it.

Every command takes `--store PATH` (an embedded store) or `--url URL` (a Chroma server;
`PONDER_CHROMA_URL` works too) and `--json` for scripts. Mistakes print one line and exit 2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ponder.errors import PonderError, UsageError

memory_app = typer.Typer(no_args_is_help=True, help=__doc__)
console = Console()
errors = Console(stderr=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="embedded store directory [default: .ponder/memory]")
]
UrlOption = Annotated[
    str | None, typer.Option("--url", help="Chroma server URL (or set PONDER_CHROMA_URL)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
KindOption = Annotated[str | None, typer.Option("--kind", help="experience, reflection or concept")]
EmbeddingOption = Annotated[
    str, typer.Option("--embedding", help="embedding of a new store: minilm or hash")
]

_IMPORT_BATCH = 256


class MemoryCliError(PonderError):
    """A memory command cannot go on: a missing store, record or input line."""

    exit_code = 2


def _fail(error: PonderError) -> typer.Exit:
    errors.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _open(
    store: Path | None, url: str | None, *, create: bool = False, embedding: str = "minilm"
) -> Any:
    """Open the store; reading commands refuse to create an empty one by accident."""
    from ponder.memory import MemoryConfig
    from ponder.memory._client import DEFAULT_PATH, resolve_url

    path = store or DEFAULT_PATH
    if resolve_url(url) is None and not create and not path.exists():
        raise MemoryCliError(f"no memory store at {path} (pass --store PATH or --url URL)")
    if embedding not in ("minilm", "hash"):
        raise UsageError(f"unknown embedding '{embedding}' (choose from minilm, hash)")
    config = MemoryConfig(path=path, url=url, embedding=embedding)
    return config.open_store()


def _kind(kind: str | None) -> Any:
    from ponder.memory import MODES

    if kind is not None and kind not in MODES:
        raise UsageError(f"unknown kind '{kind}' (choose from {', '.join(MODES)})")
    return kind


def _resolve_id(memory: Any, record_id: str) -> str:
    """Accept a full id or a unique prefix of one, as shown in the tables."""
    if memory.get(record_id) is not None:
        return record_id
    ids = [i for i in memory.collection.get(include=[])["ids"] if i.startswith(record_id)]
    if len(ids) == 1:
        return str(ids[0])
    problem = "matches several records" if ids else "matches no record"
    raise MemoryCliError(f"id '{record_id}' {problem}")


def _table(records: list[Any], scores: list[float] | None = None) -> Table:
    table = Table(show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("kind")
    if scores is not None:
        table.add_column("similarity", justify="right")
    table.add_column("updated", no_wrap=True)
    table.add_column("summary", overflow="fold")
    for index, record in enumerate(records):
        row = [record.id[:12], record.kind]
        if scores is not None:
            row.append(f"{scores[index]:.3f}")
        row += [record.updated_at.strftime("%Y-%m-%d %H:%M"), escape(record.summary())]
        table.add_row(*row)
    return table


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


@memory_app.command("ls")
def ls(
    store: StoreOption = None,
    url: UrlOption = None,
    kind: KindOption = None,
    limit: Annotated[int, typer.Option(help="newest N records")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List records, most recently updated first."""
    try:
        records = _open(store, url).records(_kind(kind), limit=limit)
    except PonderError as error:
        raise _fail(error) from None
    if as_json:
        _print_json([record.model_dump(mode="json") for record in records])
    else:
        console.print(_table(records))


@memory_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="text to search for")],
    store: StoreOption = None,
    url: UrlOption = None,
    kind: KindOption = None,
    k: Annotated[int, typer.Option("-k", help="results")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Find the records most similar to QUERY."""
    try:
        hits = _open(store, url).search(query, kind=_kind(kind), k=k)
    except PonderError as error:
        raise _fail(error) from None
    if as_json:
        _print_json(
            [{"similarity": h.similarity, "record": h.record.model_dump(mode="json")} for h in hits]
        )
    else:
        console.print(_table([h.record for h in hits], [h.similarity for h in hits]))


@memory_app.command("show")
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="record id or unique prefix")],
    store: StoreOption = None,
    url: UrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one record in full."""
    try:
        memory = _open(store, url)
        record = memory.get(_resolve_id(memory, record_id))
    except PonderError as error:
        raise _fail(error) from None
    data = record.model_dump(mode="json")
    if as_json:
        _print_json(data)
        return
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for field, value in data.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        table.add_row(field, escape(text))
    console.print(table)


@memory_app.command("stats")
def stats(store: StoreOption = None, url: UrlOption = None, as_json: JsonOption = False) -> None:
    """Count records per kind and outcome."""
    try:
        summary = _open(store, url).stats()
    except PonderError as error:
        raise _fail(error) from None
    if as_json:
        _print_json(summary)
        return
    table = Table(title=f"{summary['collection']} ({summary['embedding']})")
    table.add_column("records")
    table.add_column("count", justify="right")
    for name, count in summary["counts"].items():
        table.add_row(name, str(count))
    table.add_row("total", str(summary["total"]), style="bold")
    console.print(table)


@memory_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="JSONL file to write")],
    store: StoreOption = None,
    url: UrlOption = None,
    kind: KindOption = None,
) -> None:
    """Write every record (or one kind) as one JSON object per line."""
    try:
        records = _open(store, url).records(_kind(kind))
    except PonderError as error:
        raise _fail(error) from None
    with file.open("w", encoding="utf-8") as handle:
        for record in reversed(records):  # oldest first, so an import replays history
            handle.write(record.model_dump_json() + "\n")
    console.print(f"exported {len(records)} records to {file}", highlight=False)


def _read_jsonl(file: Path) -> Iterator[Any]:
    from ponder.memory import record_from_data

    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield record_from_data(line)
            except (ValidationError, ValueError) as error:
                first = str(error).splitlines()[0]
                raise MemoryCliError(f"{file}:{number}: not a memory record ({first})") from None


@memory_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSONL file from `ponder memory export`")],
    store: StoreOption = None,
    url: UrlOption = None,
    embedding: EmbeddingOption = "minilm",
) -> None:
    """Add records from a JSONL export, keeping their ids (existing ids are replaced)."""
    try:
        if not file.exists():
            raise MemoryCliError(f"{file}: no such file")
        records = list(_read_jsonl(file))
        memory = _open(store, url, create=True, embedding=embedding)
        for start in range(0, len(records), _IMPORT_BATCH):
            memory.add_many(records[start : start + _IMPORT_BATCH], merge=False)
    except PonderError as error:
        raise _fail(error) from None
    console.print(f"imported {len(records)} records from {file}", highlight=False)


@memory_app.command("rm")
def rm(
    record_ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="ids or unique prefixes")
    ],
    store: StoreOption = None,
    url: UrlOption = None,
) -> None:
    """Delete records by id."""
    try:
        memory = _open(store, url)
        removed = memory.delete([_resolve_id(memory, record_id) for record_id in record_ids])
    except PonderError as error:
        raise _fail(error) from None
    console.print(f"removed {removed} records", highlight=False)


@memory_app.command("prune")
def prune(
    store: StoreOption = None,
    url: UrlOption = None,
    kind: KindOption = None,
    older_than: Annotated[
        float | None, typer.Option(help="days since the record was last updated")
    ] = None,
    max_votes: Annotated[
        int | None, typer.Option(help="concepts with at most this many votes")
    ] = None,
    retired: Annotated[bool, typer.Option(help="retired concepts")] = False,
    dry_run: Annotated[bool, typer.Option(help="list what would go, delete nothing")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete records matching every given condition (age, votes, kind, retired)."""
    from ponder.memory.store import where_all

    try:
        if older_than is None and max_votes is None and not retired and kind is None:
            raise UsageError(
                "prune needs a condition: --older-than, --max-votes, --retired or --kind"
            )
        memory = _open(store, url)
        where: list[dict[str, Any]] = []
        if older_than is not None:
            cutoff = datetime.now(UTC) - timedelta(days=older_than)
            where.append({"updated_at": {"$lt": cutoff.timestamp()}})
        if max_votes is not None:
            where.append({"votes": {"$lte": max_votes}})
        if retired:
            where.append({"retired": True})
        doomed = memory.records(_kind(kind), where=where_all(*where))
        removed = 0 if dry_run else memory.delete([record.id for record in doomed])
    except PonderError as error:
        raise _fail(error) from None
    if as_json:
        _print_json({"matched": [r.id for r in doomed], "removed": removed, "dry_run": dry_run})
        return
    if dry_run:
        console.print(_table(doomed))
    console.print(
        f"{'would remove' if dry_run else 'removed'} {len(doomed) if dry_run else removed} records",
        highlight=False,
    )


@memory_app.command("distill")
def distill_cmd(
    store: StoreOption = None,
    url: UrlOption = None,
    model: Annotated[str | None, typer.Option(help="litellm model string")] = None,
    sample: Annotated[int, typer.Option(help="successes and failures shown to the model")] = 8,
    max_ops: Annotated[int, typer.Option(help="operations applied at most")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Ask a model to compare successes with failures and edit the concept list."""
    from ponder.llm import DEFAULT_MODEL, LLM
    from ponder.memory import distill

    try:
        memory = _open(store, url)
        llm = LLM(model=model or DEFAULT_MODEL, role="distiller", max_tokens=512)
        report = asyncio.run(distill(memory, llm, sample=sample, max_ops=max_ops))
    except PonderError as error:
        raise _fail(error) from None
    applied = report.applied
    if as_json:
        _print_json(
            {
                "added": applied.added,
                "edited": applied.edited,
                "voted": applied.voted,
                "retired": applied.retired,
                "skipped": applied.skipped,
                "parse_errors": report.parse_errors,
            }
        )
        return
    console.print(
        f"read {report.successes} successes and {report.failures} failures; "
        f"added {len(applied.added)}, edited {len(applied.edited)}, voted {len(applied.voted)}, "
        f"retired {len(applied.retired)}",
        highlight=False,
    )
    for problem in report.parse_errors + applied.skipped:
        errors.print(f"skipped: {problem}", highlight=False, soft_wrap=True)
