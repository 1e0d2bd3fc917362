"""`viva bench --asr [2,4,8]`: the recognizer alone, one segment per call against batches.

Real speech segments (jfk.flac cut at its pauses, piper-spoken answers, 1-11 s each, each with
its question's context) are transcribed (a) one call at a time, as interviews did before the
shared queue, (b) in batches of each size, as the queue runs them when interviews wait
together. Passes alternate between the ways so a busy neighbour slows all of them alike;
the figures are medians over the passes.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.bench import JFK, SYNTHETIC_ANSWERS, percentile
from app.settings import Settings

JFK_CUTS = ((0.0, 3.3), (3.3, 8.0), (8.0, 11.0), (0.0, 11.0))


def speech_segments(synthesizer: Any, bank: Any) -> list[tuple[np.ndarray, str]]:
    """(16 kHz float audio, context): each answer's sentences spoken, and the recording cut up."""
    from audio.codecs import decode_file, pcm16_to_float, resample

    def context(question_id: str) -> str:
        question = bank.get(question_id)
        return f"{question.text} {', '.join(question.key_terms)}"

    segments = []
    for question_id, answer in SYNTHETIC_ANSWERS.items():
        for sentence in re.split(r"(?<=[.?!]) ", answer):
            voice = pcm16_to_float(synthesizer.synthesize(sentence))
            audio = resample(voice, synthesizer.sample_rate, 16_000)
            segments.append((audio, context(question_id)))
    if JFK.exists():
        real = decode_file(JFK)
        for start, end in JFK_CUTS:
            audio = real[int(start * 16_000) : int(end * 16_000)]
            segments.append((audio, context("behavioral.failure")))
    return segments


def run_asr_bench(settings: Settings, sizes: list[int], passes: int = 3) -> dict[str, Any]:
    from audio.recognizer import Recognizer
    from audio.synthesizer import Synthesizer
    from interviewer.bank import load_banks

    recognizer = Recognizer.load(settings.asr_model, cpu_threads=settings.asr_threads)
    segments = speech_segments(Synthesizer.load(settings.tts_voice), load_banks(settings.banks_dir))
    audio_s = sum(len(audio) for audio, _ in segments) / 16_000
    load_before = os.getloadavg()[0]
    recognizer.transcribe(*segments[0])  # warm-up
    # Two calls side by side, one thread each (VIVA_ASR_WORKERS=2), on one copy of the weights.
    pair = Recognizer.load(settings.asr_model, cpu_threads=1, workers=2)
    pair.transcribe(*segments[0])
    pair_wall: list[float] = []

    alone_texts: list[str] = []
    wall: dict[int, list[float]] = {size: [] for size in [1, *sizes]}
    latency_ms: dict[int, list[float]] = {size: [] for size in wall}
    same_text: dict[int, int] = dict.fromkeys(sizes, 0)
    for _ in range(passes):
        for size in wall:
            started = time.perf_counter()
            texts = []
            for first in range(0, len(segments), size):
                group = segments[first : first + size]
                batch_started = time.perf_counter()
                if size == 1:
                    transcripts = [recognizer.transcribe(*group[0])]
                else:
                    transcripts = recognizer.transcribe_batch(group)
                latency_ms[size].append((time.perf_counter() - batch_started) * 1000)
                texts += [t.text for t in transcripts]
            wall[size].append(time.perf_counter() - started)
            if size == 1:
                alone_texts = texts
            else:
                same_text[size] += sum(a == b for a, b in zip(texts, alone_texts, strict=True))
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as workers:
            list(workers.map(lambda segment: pair.transcribe(*segment), segments))
        pair_wall.append(time.perf_counter() - started)

    sequential_s = statistics.median(wall[1])
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "model": recognizer.model_id,
        "cpu_threads": settings.asr_threads,
        "segments": len(segments),
        "audio_seconds": round(audio_s, 1),
        "passes": passes,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "sequential_segments_per_s": round(len(segments) / sequential_s, 2),
        "sequential_call_ms_p50": percentile(latency_ms[1], 50),
        "sequential_call_ms_p95": percentile(latency_ms[1], 95),
        "two_workers_segments_per_s": round(len(segments) / statistics.median(pair_wall), 2),
        "two_workers_throughput_ratio": round(sequential_s / statistics.median(pair_wall), 2),
    }
    for size in sizes:
        batched_s = statistics.median(wall[size])
        report |= {
            f"batch{size}_segments_per_s": round(len(segments) / batched_s, 2),
            f"batch{size}_throughput_ratio": round(sequential_s / batched_s, 2),
            f"batch{size}_batch_ms_p50": percentile(latency_ms[size], 50),
            f"batch{size}_batch_ms_p95": percentile(latency_ms[size], 95),
            # A batch's latency against the same segments one call after another.
            f"batch{size}_latency_ratio": round(
                percentile(latency_ms[size], 50) / (size * percentile(latency_ms[1], 50)), 2
            ),
            f"batch{size}_same_text": f"{same_text[size]}/{len(segments) * passes}",
        }
    return report
