"""Writes a process dumped when it stopped during a database outage, applied later.

Startup runs this before serving (the database answered the migrations, so it is back), and so
does `viva import-unsaved`. The writes go through the store and `apply_write`, as live, so a turn
already stored is skipped. A file whose writes are all through moves to `unsaved/imported/`;
one that meets an outage stays where it is for the next try.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db.engine import open_sessionmaker
from app.live.storage import UNSAVED_FORMAT, InterviewStore
from app.live.writes import Record
from app.settings import Settings

log = logging.getLogger("viva.live")

IMPORTED = "imported"


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # files whose writes are all through
    writes: int = 0  # applied, or found already stored
    dropped: int = 0  # failed for a reason other than an outage (logged), e.g. interview deleted
    waiting: list[str] = field(default_factory=list)  # kept: the database did not answer
    unreadable: list[str] = field(default_factory=list)  # kept: not a file Viva wrote


def read_unsaved(path: Path) -> tuple[str, list[Record]]:
    """The interview id and records of a dumped file, recordings read back from beside it."""
    document = json.loads(path.read_text())
    if not isinstance(document, dict) or document.get("format") != UNSAVED_FORMAT:
        raise ValueError(f"not an unsaved-writes file of format {UNSAVED_FORMAT}")
    interview_id = document["interview_id"]
    records: list[Record] = []
    for record in document["writes"]:
        if not isinstance(record, dict) or record.get("interview_id") != interview_id:
            raise ValueError("a write that does not belong to the file's interview")
        if data_file := record.pop("data_file", None):
            record["data"] = (path.parent / Path(data_file).name).read_bytes()
        records.append(record)
    return interview_id, records


async def import_unsaved(
    sessionmaker: async_sessionmaker, folder: Path, timeout: float = 30.0
) -> ImportReport:
    report = ImportReport()
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    for number, path in enumerate(files):
        try:
            interview_id, records = read_unsaved(path)
        except FileNotFoundError:
            continue  # another process sharing this folder took it first
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.error("cannot import %s: %s", path, error)
            report.unreadable.append(path.name)
            continue
        store = InterviewStore(sessionmaker, interview_id)
        store.hold(records)
        if not await store.flush(timeout):
            store.cancel()
            # Files of one interview go in time order: none may land before this one does.
            report.waiting = [p.name for p in files[number:]]
            log.warning("database unreachable: %d unsaved file(s) left", len(report.waiting))
            break
        report.writes += len(records) - store.dropped
        report.dropped += store.dropped
        _move_aside(path)
        report.imported.append(path.name)
        log.info("imported %s: %d write(s)", path.name, len(records))
    return report


async def import_unsaved_for(settings: Settings) -> ImportReport:
    """`viva import-unsaved`: this data directory's files, into the configured database."""
    async with open_sessionmaker(settings.sqlalchemy_url) as sessionmaker:
        return await import_unsaved(sessionmaker, settings.data_dir / "unsaved")


def _move_aside(path: Path) -> None:
    done = path.parent / IMPORTED
    done.mkdir(exist_ok=True)
    for part in path.parent.glob(f"{path.stem}.*"):
        with contextlib.suppress(FileNotFoundError):  # moved by another process meanwhile
            part.replace(done / part.name)
