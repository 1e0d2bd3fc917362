"""Structured logs: the formatter alone, and what a real `viva serve` prints in JSON mode."""

from __future__ import annotations

import io
import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from app.logs import UVICORN_LOGGERS, JsonFormatter, TextFormatter, configure_logging
from app.settings import Settings


def record(
    name: str = "viva.live",
    level: int = logging.INFO,
    msg: str = "answer %s: words in %.0f ms",
    args: tuple = ("abc", 812.4),
    exc_info=None,
    **extra,
) -> logging.LogRecord:
    return logging.getLogger(name).makeRecord(
        name, level, __file__, 1, msg, args, exc_info, extra=extra or None
    )


def test_a_json_line_has_the_four_fields_and_the_extras_as_numbers():
    line = JsonFormatter().format(record(interview_id="abc", asr_ms=812.4, store_ms=3))
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "info" and entry["logger"] == "viva.live"
    assert entry["message"] == "answer abc: words in 812 ms"
    assert entry["interview_id"] == "abc"
    assert entry["asr_ms"] == 812.4 and entry["store_ms"] == 3
    stamp = datetime.fromisoformat(entry["ts"])
    assert entry["ts"].endswith("Z") and stamp.utcoffset() == timedelta(0)


def test_an_exception_is_one_field_of_the_same_line():
    try:
        raise RuntimeError("recognizer crashed")
    except RuntimeError:
        exc_info = sys.exc_info()
    line = JsonFormatter().format(
        record(level=logging.ERROR, msg="task failed", args=(), exc_info=exc_info)
    )
    assert len(line.splitlines()) == 1
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert "Traceback" in entry["exc"] and "RuntimeError: recognizer crashed" in entry["exc"]


def test_extras_never_replace_the_core_fields_and_odd_values_become_text():
    entry = json.loads(
        JsonFormatter().format(record(msg="hi", args=(), level_hint=object(), ts_note={1, 2}))
    )
    assert entry["message"] == "hi" and entry["level"] == "info"
    assert entry["level_hint"].startswith("<object object")
    assert entry["ts_note"] == "{1, 2}"


def test_an_access_line_carries_method_path_and_status():
    access = record(
        name="uvicorn.access",
        msg='%s - "%s %s HTTP/%s" %d',
        args=("127.0.0.1:5000", "GET", "/readyz", "1.1", 200),
    )
    entry = json.loads(JsonFormatter().format(access))
    assert entry["message"] == '127.0.0.1:5000 - "GET /readyz HTTP/1.1" 200'
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/readyz", 200)


def test_text_lines_append_extras_as_key_value():
    line = TextFormatter().format(record(interview_id="abc", asr_ms=812.4))
    assert line.endswith(
        "INFO viva.live: answer abc: words in 812 ms interview_id=abc asr_ms=812.4"
    )


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
        for name in UVICORN_LOGGERS
    }
    yield
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for name, (handlers, propagate) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate
    logging.captureWarnings(False)


def test_uvicorn_and_viva_loggers_share_the_json_handler(restored_logging):
    stream = io.StringIO()
    logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler(stream))  # as uvicorn does
    level = configure_logging(Settings(log_format="json", log_level="warning"), stream)
    assert level == logging.WARNING
    logging.getLogger("uvicorn.error").warning("port %d busy", 8000)
    logging.getLogger("viva.live").info("below the level")
    logging.getLogger("viva.live").error("failed", extra={"interview_id": "abc"})
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [
        ("uvicorn.error", "port 8000 busy"),
        ("viva.live", "failed"),
    ]
    assert entries[1]["interview_id"] == "abc"


def test_an_unknown_level_is_refused(restored_logging):
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging(Settings(log_level="loud"))


@pytest.mark.slow
async def test_viva_serve_in_json_mode_prints_only_json_lines():
    from app.bench import Server
    from app.candidate import Candidate

    with tempfile.TemporaryDirectory(prefix="viva-logs-") as data_dir:
        server = Server(data_dir, extra_env={"VIVA_LOG_FORMAT": "json"})
        try:
            async with httpx.AsyncClient(base_url=server.url) as http:
                created = await http.post(
                    "/api/v1/interviews",
                    json={"role": "backend-engineer", "round": "behavioral", "questions": 2},
                )
                await http.get("/no-such-page")
            interview_id = created.json()["id"]
            ws = server.url.replace("http://", "ws://") + f"/api/v1/interviews/{interview_id}/ws"
            async with Candidate(ws) as candidate:
                await candidate.send({"type": "start"})
                await candidate.wait_listening(since=0)
                before = len(candidate.messages)
                await candidate.send({"type": "text_answer", "text": "I fixed the outage."})
                await candidate.wait_for(
                    lambda m: m["type"] == "transcript" and m["final"], since=before
                )
        finally:
            server.stop()
        text = server.log_path.read_text()  # after stop: the shutdown lines too
    lines = [line for line in text.splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\n{text[-3000:]}")
    messages = [(e["logger"], e["message"]) for e in entries]
    assert ("viva", f"loading models and serving on {server.url}") in messages
    assert any(m.startswith("Viva ready on") for _, m in messages)
    assert any(m.startswith("Uvicorn running on") for _, m in messages)
    not_found = [e for e in entries if e.get("path") == "/no-such-page"]
    assert [e["status"] for e in not_found] == [404]
    answer = next(e for e in entries if e["message"].startswith(f"answer {interview_id}"))
    assert answer["interview_id"] == interview_id and answer["typed"] is True
    assert all(isinstance(answer[k], int | float) for k in ("asr_ms", "score_ms", "store_ms"))
