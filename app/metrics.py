"""Prometheus metrics of the live interview (`GET /metrics`)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)

RESPONSE_SECONDS = Histogram(
    "viva_response_seconds",
    "From the end of an answer to the first audio of the interviewer's reply being sent.",
    buckets=LATENCY_BUCKETS,
)
NEXT_PROMPT_SECONDS = Histogram(
    "viva_next_prompt_seconds",
    "From the end of an answer to the first audio of the follow-up or next question being sent.",
    buckets=LATENCY_BUCKETS,
)
ASR_SECONDS = Histogram(
    "viva_asr_seconds", "Time of one recognizer call, queueing included.", buckets=LATENCY_BUCKETS
)
ACTIVE_INTERVIEWS = Gauge("viva_active_interviews", "Interviews running in this process.")
ASR_QUEUE = Gauge("viva_asr_queue_depth", "Recognizer calls waiting or running.")
ASR_BATCH_SIZE = Histogram(
    "viva_asr_batch_size",
    "Segments decoded together in one recognizer batch.",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16),
)
ASR_CAPTIONS_SKIPPED = Counter(
    "viva_asr_captions_skipped_total", "Captions refused because too many were waiting."
)
ANSWERS = Counter("viva_answers_total", "Answers committed.", ["partial"])
ERRORS = Counter("viva_errors_total", "Error messages sent to clients.", ["code"])
REFUSED = Counter("viva_refused_total", "Interviews refused because the server was at capacity.")
HELD_WRITES = Gauge(
    "viva_held_writes", "Interview writes held in memory while the database is unreachable."
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
