"""InterviewStore: writes in order, held through an outage, a bug not mistaken for an outage."""

from __future__ import annotations

import asyncio
import contextlib
import json

from sqlalchemy.exc import IntegrityError, OperationalError

from app.live import storage
from app.live.storage import InterviewStore, is_outage


class FlakyDatabase:
    """A sessionmaker whose transactions fail while `down` is set (unit test only)."""

    def __init__(self) -> None:
        self.down = False
        self.applied: list[str] = []

    @contextlib.asynccontextmanager
    async def begin(self):
        if self.down:
            raise OperationalError("connect", {}, ConnectionRefusedError("refused"))
        yield self


async def note_applied(db: FlakyDatabase, record: dict) -> None:
    """Stands in for `apply_write`: a record named "bug" fails as a bug would."""
    if record["name"] == "bug":
        raise ValueError("bug")
    db.applied.append(record["name"])


def store_on(db: FlakyDatabase, interview_id: str, notify=None) -> InterviewStore:
    return InterviewStore(db, interview_id, notify, apply=note_applied)  # type: ignore[arg-type]


def writer(name: str) -> dict:
    return {"name": name}


def test_connection_errors_are_outages_and_bugs_are_not():
    assert is_outage(OperationalError("x", {}, ConnectionRefusedError()))
    assert is_outage(ConnectionResetError())
    assert not is_outage(IntegrityError("x", {}, ValueError("duplicate key")))
    assert not is_outage(ValueError("bad value"))


async def test_writes_are_held_in_order_while_down_and_flushed_once_back(monkeypatch):
    monkeypatch.setattr(storage, "RETRY_DELAYS_S", (0.01,))
    db = FlakyDatabase()
    told: list[tuple[str, int]] = []

    async def notify(state: str, held: int) -> None:
        told.append((state, held))

    store = store_on(db, "i1", notify)
    await store.write(writer("greeting"))
    db.down = True
    await store.write(writer("answer 1"))
    await store.write(writer("question 2"))
    assert store.holding and db.applied == ["greeting"]
    assert told == [("delayed", 1)]  # told once, not per write
    await asyncio.sleep(0.05)
    db.down = False
    assert await store.wait_saved(timeout=2)
    assert db.applied == ["greeting", "answer 1", "question 2"]
    assert told[-1] == ("saved", 0)
    await store.write(writer("answer 2"))  # straight through again
    assert db.applied[-1] == "answer 2" and not store.holding


async def test_what_is_still_held_at_shutdown_is_written_to_a_file(tmp_path):
    db = FlakyDatabase()
    db.down = True
    store = store_on(db, "i2")
    await store.write({"name": "answer", "text": "I would use a queue."})
    await store.write({"name": "audio", "turn_id": "t1", "data": b"OggS recording"})
    store.cancel()
    assert not await store.flush(timeout=0.5)
    path = store.dump(tmp_path)
    assert path is not None
    held = json.loads(path.read_text())
    assert held["interview_id"] == "i2"
    assert held["writes"][0] == {"name": "answer", "text": "I would use a queue."}
    # The recording goes beside the file, not into it.
    audio = held["writes"][1]
    assert audio["data"] is None
    assert (tmp_path / audio["data_file"]).read_bytes() == b"OggS recording"


async def test_a_write_that_fails_for_a_bug_is_dropped_not_retried_forever():
    db = FlakyDatabase()
    store = store_on(db, "i3")
    await store.write(writer("bug"))
    await store.write(writer("next"))
    assert db.applied == ["next"] and not store.holding and store.dropped == 1


async def test_a_store_left_retrying_says_when_its_writes_have_landed(monkeypatch):
    monkeypatch.setattr(storage, "RETRY_DELAYS_S", (0.01,))
    db = FlakyDatabase()
    db.down = True
    store = store_on(db, "i4")
    await store.write(writer("answer"))
    registry = {"i4": store}
    store.keep_trying(then=lambda: registry.pop("i4"))
    await asyncio.sleep(0.05)
    assert registry == {"i4": store}  # still down: still held

    db.down = False
    assert await store.wait_saved(timeout=2)
    assert db.applied == ["answer"] and registry == {}
