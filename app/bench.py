"""`viva bench`: the figures of the spoken interview, measured on this machine, side by side
with the naive pipeline (transcribe the whole answer after it ends, then synthesize the reply).

A real `viva serve` runs in a child process on a throwaway SQLite database; a scripted candidate
streams real and synthesized speech to it in real time over a loopback WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from app.settings import Settings

JFK = Path(__file__).resolve().parents[2] / "shared" / "data" / "jfk.flac"
# Spoken answers synthesized with the interviewer's voice (the only speaker bundled), one per
# question, alternating with the real recording.
SYNTHETIC_ANSWERS = {
    "backend.rate-limiter": (
        "I would start by asking whether the limit is per user or per IP address. "
        "Then I would use a token bucket stored in Redis, "
        "so bursts are allowed up to the bucket size. "
        "If Redis is down, I would fail open for a short time and alert."
    ),
    "backend.idempotent-apis": (
        "The client sends an idempotency key with every write. "
        "We store the key and the response in Postgres with a unique index, "
        "and a retry inside the deduplication window returns the stored response."
    ),
    "backend.queue-vs-sync": (
        "I use a queue when the work is slow or can be retried and the user does not need to wait. "
        "Um, I also think about ordering, dead letter queues, "
        "and what the caller sees while it is pending."
    ),
    "behavioral.failure": (
        "Last year I shipped a migration that locked a large table during peak traffic. "
        "I rolled it back within ten minutes, wrote the postmortem, "
        "and since then every migration runs through a checklist and a load test."
    ),
    "backend.cache-vs-db": (
        "I would measure first. If the query is slow I fix the index before adding a cache. "
        "A cache helps with repetitive reads, but then I need an invalidation strategy."
    ),
    "backend.latency-spike": (
        "First I check whether the spike is global or limited to one endpoint. "
        "Then I look at recent deploys, slow queries, "
        "and saturation like CPU or the connection pool."
    ),
}


def spoken_answers(synthesizer: Any) -> list[tuple[str, bytes]]:
    """(question id, PCM16 16 kHz) answers: synthesized ones alternating with the real recording."""
    from audio.codecs import decode_file, float_to_pcm16, resample

    real = float_to_pcm16(decode_file(JFK)) if JFK.exists() else None
    clips: list[tuple[str, bytes]] = []
    for question_id, text in SYNTHETIC_ANSWERS.items():
        voice = np.frombuffer(synthesizer.synthesize(text), "<i2").astype(np.float32) / 32768
        clips.append(
            (question_id, float_to_pcm16(resample(voice, synthesizer.sample_rate, 16_000)))
        )
        if real is not None:
            clips.append(("behavioral.failure", real))
    return clips


def run_bench(settings: Settings, answers: int = 6, end: str = "done") -> dict[str, Any]:
    return asyncio.run(_run(settings, answers, end))


async def _run(settings: Settings, count: int, end: str) -> dict[str, Any]:
    from audio.recognizer import Recognizer
    from audio.synthesizer import Synthesizer

    recognizer = Recognizer.load(settings.asr_model, cpu_threads=settings.asr_threads)
    synthesizer = Synthesizer.load(settings.tts_voice)
    clips = spoken_answers(synthesizer)[:count]

    with tempfile.TemporaryDirectory(prefix="viva-bench-") as data_dir:
        server = Server(data_dir)
        try:
            ready_rss = server.rss_mb()
            sampler = PeakSampler(server)
            sampler.start()
            live = await stream_interview(server.url, clips, end)
            sampler.stop()
        finally:
            server.stop()

    naive = _naive_pipeline(recognizer, synthesizer, clips, live["reply_texts"])
    from rubrics.bench import time_scoring

    scoring = time_scoring(n=200)
    asr_rtf = statistics.median(n["asr_seconds"] / n["audio_seconds"] for n in naive)
    tts_rtf = statistics.median(n["tts_seconds"] / max(n["reply_seconds"], 1e-6) for n in naive)
    response = live["response_ms"]
    naive_ms = [n["response_ms"] for n in naive]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "answers": len(clips),
        "end": end,
        "response_ms_p50": percentile(response, 50),
        "response_ms_p95": percentile(response, 95),
        "naive_response_ms_p50": percentile(naive_ms, 50),
        "naive_response_ms_p95": percentile(naive_ms, 95),
        "naive_over_viva_p50": round(
            percentile(naive_ms, 50) / max(percentile(response, 50), 1e-6), 1
        ),
        "next_prompt_ms_p50": percentile(live["next_prompt_ms"], 50),
        "next_prompt_ms_p95": percentile(live["next_prompt_ms"], 95),
        "caption_lag_ms_p50": percentile(live["caption_lag_ms"], 50),
        "caption_lag_ms_p95": percentile(live["caption_lag_ms"], 95),
        "first_prompt_audio_ms": round(live["first_audio_ms"], 1),
        "asr_rtf": round(asr_rtf, 3),
        "tts_rtf": round(tts_rtf, 3),
        "server_rss_mb_ready": round(ready_rss, 1),
        "server_rss_mb_peak": round(sampler.peak_mb, 1),
        "score_ms_p50": scoring["median_ms"],
        "score_ms_p95": scoring["p95_ms"],
    }


async def stream_interview(
    base_url: str, clips: list[tuple[str, bytes]], end: str = "done"
) -> dict[str, Any]:
    """One candidate answering `clips` in real time. `end="done"` presses Done 0.3 s after the
    last word; `end="silence"` keeps the microphone open, as one who just stops talking, and
    times replies from the moment the server decides the answer ended (after its
    end_silence_s, 3 s by default)."""
    from app.candidate import Candidate

    question_ids = list(dict.fromkeys(qid for qid, _ in clips))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        created = await http.post(
            "/api/v1/interviews",
            json={"role": "backend-engineer", "round": "mixed", "question_ids": question_ids},
        )
        created.raise_for_status()
    interview_id = created.json()["id"]
    ws_url = base_url.replace("http://", "ws://") + f"/api/v1/interviews/{interview_id}/ws"
    response_ms: list[float] = []
    next_prompt_ms: list[float] = []
    caption_lag_ms: list[float] = []
    reply_texts: list[str] = []
    async with Candidate(ws_url) as candidate:
        candidate.mark("start")
        await candidate.send({"type": "start", "sample_rate": 16000})
        await candidate.wait_listening(since=0, timeout=120)
        first_audio_ms = candidate.first_audio_after["start"] * 1000
        for _qid, pcm in clips:
            before = len(candidate.messages)
            streamed_at = time.perf_counter()
            await candidate.stream(pcm + bytes(int(0.3 * 16_000) * 2))
            if end == "done":
                done_index, done_at = len(candidate.messages) - 1, time.perf_counter()
                await candidate.send({"type": "end_answer"})
            else:
                done_index = await _silent_until_the_answer_ends(candidate, since=before)
                done_at = candidate.received_at[done_index]
            prompt = await candidate.wait_for(
                lambda m: (
                    m["type"] == "say" and m["kind"] in ("followup", "question", "closing", "nudge")
                ),
                since=before,
                timeout=60,
            )
            prompt_index = candidate.last_index
            await candidate.wait_for(lambda m: m["type"] == "_audio", since=prompt_index)
            ack_index = candidate.first_after(done_index, "_audio")
            response_ms.append((candidate.received_at[ack_index] - done_at) * 1000)
            audio_index = candidate.first_after(prompt_index, "_audio")
            next_prompt_ms.append((candidate.received_at[audio_index] - done_at) * 1000)
            reply_texts.append(prompt["text"])
            for index in range(before, len(candidate.messages)):
                message = candidate.messages[index]
                if (
                    message["type"] == "transcript"
                    and not message["final"]
                    and "until_s" in message
                ):
                    sent = streamed_at + float(message["until_s"])
                    caption_lag_ms.append((candidate.received_at[index] - sent) * 1000)
            if prompt["kind"] == "closing":
                break
            await candidate.wait_listening(since=before, timeout=120)
        await candidate.send({"type": "stop"})
    return {
        "interview_id": interview_id,
        "response_ms": response_ms,
        "next_prompt_ms": next_prompt_ms,
        "caption_lag_ms": caption_lag_ms,
        "first_audio_ms": first_audio_ms,
        "reply_texts": reply_texts,
    }


async def _silent_until_the_answer_ends(candidate: Any, since: int) -> int:
    """Stream silence in real time until the server says it is processing; returns the index
    of that message."""
    quiet = bytes(int(0.2 * 16_000) * 2)

    async def keep_quiet() -> None:
        while True:
            await candidate.stream(quiet)

    microphone = asyncio.create_task(keep_quiet())
    try:
        await candidate.wait_for(
            lambda m: m == {"type": "state", "state": "processing"}, since=since, timeout=60
        )
    finally:
        microphone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await microphone
    return int(candidate.last_index)


def _naive_pipeline(
    recognizer: Any, synthesizer: Any, clips: list, replies: list[str]
) -> list[dict[str, float]]:
    from audio.codecs import pcm16_to_float

    results = []
    for (_qid, pcm), reply in zip(clips, replies, strict=False):
        audio = pcm16_to_float(pcm)
        started = time.perf_counter()
        recognizer.transcribe(audio, "")
        asr_done = time.perf_counter()
        voice = synthesizer.synthesize(reply)  # uncached: the naive pipeline synthesizes on demand
        done = time.perf_counter()
        results.append(
            {
                "response_ms": (done - started) * 1000,
                "asr_seconds": asr_done - started,
                "audio_seconds": len(audio) / 16_000,
                "tts_seconds": done - asr_done,
                "reply_seconds": len(voice) / 2 / synthesizer.sample_rate,
            }
        )
    return results


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


class Server:
    """`viva serve` in a child process on a free port and a throwaway database."""

    def __init__(self, data_dir: str, extra_env: dict[str, str] | None = None) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "VIVA_DATA_DIR": data_dir}
        env.pop("VIVA_DATABASE_URL", None)  # a throwaway SQLite file unless extra_env names one
        env.update(extra_env or {})
        # A file, not a pipe: a server that logs a lot must never block on a full pipe.
        self.log_path = Path(data_dir) / f"serve-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"viva serve exited: {self.log_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"viva serve did not become ready: {self.log_text()[-2000:]}")

    def log_text(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        import psutil

        return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class PeakSampler(threading.Thread):
    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.25):
            try:
                self.peak_mb = max(self.peak_mb, self.server.rss_mb())
            except Exception:
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)
