"""`viva bench --load 1,2,4,8`: N candidates at once, each streaming real speech in real time
over loopback WebSockets to one `viva serve`, answering several questions.

For each N: reply latency, caption lag, CPU, memory, and answers lost (sent but not stored).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from app.bench import PeakSampler, Server, percentile, spoken_answers, stream_interview
from app.settings import Settings

T = TypeVar("T")


def run_load(
    settings: Settings,
    levels: list[int],
    answers_each: int = 3,
    end: str = "done",
    stagger_s: float = 0.0,
) -> list[dict[str, Any]]:
    """`stagger_s` spreads the candidates' starts evenly over that many seconds; 0 starts all
    together, so they also finish their answers within moments of each other (the worst case)."""
    from audio.synthesizer import Synthesizer

    clips = spoken_answers(Synthesizer.load(settings.tts_voice))
    rows = []
    for level in levels:
        rows.append(
            asyncio.run(_one_level(level, clips, answers_each, max(levels), end, stagger_s))
        )
    return rows


async def _one_level(
    level: int,
    clips: list[tuple[str, bytes]],
    answers_each: int,
    capacity: int,
    end: str,
    stagger_s: float,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="viva-load-") as data_dir:
        server = Server(data_dir, extra_env={"VIVA_MAX_INTERVIEWS": str(capacity)})
        try:
            sampler = PeakSampler(server)
            sampler.start()
            cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
            runs = await asyncio.gather(
                *(
                    _after(
                        i * stagger_s / level,
                        stream_interview(server.url, _rotated(clips, i)[:answers_each], end),
                    )
                    for i in range(level)
                ),
                return_exceptions=True,
            )
            wall = time.perf_counter() - wall_before
            cpu = (server.cpu_seconds() - cpu_before) / wall / (os.cpu_count() or 1)
            sampler.stop()
            lost, failed = await _answers_lost(server.url, runs)
        finally:
            server.stop()
    done = [r for r in runs if isinstance(r, dict)]
    response = [ms for r in done for ms in r["response_ms"]]
    next_prompt = [ms for r in done for ms in r["next_prompt_ms"]]
    lag = [ms for r in done for ms in r["caption_lag_ms"]]
    return {
        "candidates": level,
        "end": end,
        "stagger_s": stagger_s,
        "answers": len(response),
        "answers_lost": lost,
        "candidates_failed": failed,
        "response_ms_p50": percentile(response, 50),
        "response_ms_p95": percentile(response, 95),
        "next_prompt_ms_p50": percentile(next_prompt, 50),
        "next_prompt_ms_p95": percentile(next_prompt, 95),
        "caption_lag_ms_p50": percentile(lag, 50),
        "caption_lag_ms_p95": percentile(lag, 95),
        "captions": len(lag),
        "cpu_percent": round(cpu * 100, 1),
        "server_rss_mb_peak": round(sampler.peak_mb, 1),
    }


async def _answers_lost(base_url: str, runs: list[Any]) -> tuple[int, int]:
    """Answers a candidate finished (Done was answered) that are not stored whole."""
    lost = failed = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for run in runs:
            if not isinstance(run, dict):
                failed += 1
                continue
            interview = (await http.get(f"/api/v1/interviews/{run['interview_id']}")).json()
            stored = [
                t for t in interview["turns"] if t["speaker"] == "candidate" and not t["partial"]
            ]
            lost += max(0, len(run["response_ms"]) - len(stored))
    return lost, failed


async def _after(delay_s: float, run: Coroutine[Any, Any, T]) -> T:
    await asyncio.sleep(delay_s)
    return await run


def _rotated(clips: list[Any], by: int) -> list[Any]:
    by %= len(clips)
    return clips[by:] + clips[:by]
