"""Sample conversions, resampling, and file/container decoding and encoding (PyAV)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import av
import numpy as np
import numpy.typing as npt

from audio.errors import AudioFormatError

__all__ = [
    "AudioFormatError",
    "decode_file",
    "encode_answer_audio",
    "float_to_pcm16",
    "pcm16_to_float",
    "resample",
]

FloatAudio = npt.NDArray[np.float32]

ANSWER_AUDIO_RATE = 16_000
OPUS_BITRATE = 24_000
OPUS_INPUT_RATES = frozenset({8_000, 12_000, 16_000, 24_000, 48_000})
_PCM16_SCALE = 32768.0
# swresample emits nothing for inputs shorter than its filter; zero padding keeps tiny inputs.
_RESAMPLE_TAIL_PAD = 256

AnswerCodec = Literal["opus", "flac"]
_ANSWER_FORMATS: dict[str, tuple[str, str, str, str]] = {
    # codec -> (container, encoder, sample format, mime type)
    "opus": ("ogg", "libopus", "s16", "audio/ogg; codecs=opus"),
    "flac": ("flac", "flac", "s16", "audio/flac"),
}


def pcm16_to_float(data: bytes) -> FloatAudio:
    """Little-endian signed 16-bit mono PCM to float32 samples in [-1, 1)."""
    if len(data) % 2:
        raise AudioFormatError(f"PCM16 data must have an even byte length, got {len(data)}")
    samples = np.frombuffer(data, dtype="<i2")
    return (samples.astype(np.float32) / np.float32(_PCM16_SCALE)).astype(np.float32)


def float_to_pcm16(samples: npt.ArrayLike) -> bytes:
    """Float samples (clipped to [-1, 1]) to little-endian signed 16-bit mono PCM."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise AudioFormatError(f"expected mono (1-D) samples, got shape {array.shape}")
    scaled = np.clip(np.rint(array * _PCM16_SCALE), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def resample(samples: npt.ArrayLike, src_rate: int, dst_rate: int) -> FloatAudio:
    """Band-limited resampling of mono float audio (libswresample).

    The result has exactly round(len * dst_rate / src_rate) samples, aligned in time with the input.
    """
    array = np.ascontiguousarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise AudioFormatError(f"expected mono (1-D) samples, got shape {array.shape}")
    if src_rate <= 0 or dst_rate <= 0:
        raise AudioFormatError(f"sample rates must be positive, got {src_rate} -> {dst_rate}")
    if src_rate == dst_rate or array.size == 0:
        return array.copy()
    target_length = round(array.size * dst_rate / src_rate)
    padded = np.concatenate([array, np.zeros(_RESAMPLE_TAIL_PAD, dtype=np.float32)])
    frame = av.AudioFrame.from_ndarray(padded[np.newaxis, :], format="flt", layout="mono")
    frame.sample_rate = src_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=dst_rate)
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    result = _concatenate_frames(frames)
    if result.size < target_length:
        result = np.pad(result, (0, target_length - result.size))
    return result[:target_length]


def decode_file(source: str | Path | bytes, rate: int = ANSWER_AUDIO_RATE) -> FloatAudio:
    """Decode the first audio stream of any container PyAV reads to float32 mono at `rate`.

    `source` is a file path or the file's bytes (wav, flac, ogg/opus, webm, mp3, ...).
    Raises AudioFormatError when the input cannot be decoded or holds no audio.
    """
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    if isinstance(source, bytes) and not source:
        raise AudioFormatError("cannot decode empty audio data")
    opened = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    frames: list[av.AudioFrame] = []
    try:
        with av.open(opened, mode="r") as container:
            if not container.streams.audio:
                raise AudioFormatError(f"{name}: no audio stream")
            stream = container.streams.audio[0]
            # Channels are kept and averaged later: swresample's mono downmix adds correlated
            # channels at +3 dB, which pushes float samples past full scale.
            resampler = av.AudioResampler(format="fltp", rate=rate)
            for frame in container.decode(stream):
                frames.extend(resampler.resample(frame))
            frames.extend(resampler.resample(None))
    except (AudioFormatError, FileNotFoundError):
        raise
    except (av.FFmpegError, OSError, ValueError) as error:
        raise AudioFormatError(f"{name}: not decodable audio ({error})") from error
    return _concatenate_frames(frames)


def encode_answer_audio(
    pcm16: bytes, codec: AnswerCodec = "opus", rate: int = ANSWER_AUDIO_RATE
) -> tuple[bytes, str]:
    """Compress mono PCM16 (16 kHz by default) for storage; returns (file bytes, mime type).

    "opus" gives a compact Ogg/Opus file (24 kbit/s speech); "flac" is lossless.
    Read it back with decode_file.
    """
    if codec not in _ANSWER_FORMATS:
        raise AudioFormatError(
            f"unknown answer codec {codec!r}; use one of {list(_ANSWER_FORMATS)}"
        )
    container_format, encoder, sample_format, mime = _ANSWER_FORMATS[codec]
    if len(pcm16) % 2:
        raise AudioFormatError(f"PCM16 data must have an even byte length, got {len(pcm16)}")
    if not pcm16:
        raise AudioFormatError("no audio to encode")
    if codec == "opus" and rate not in OPUS_INPUT_RATES:
        raise AudioFormatError(f"Opus cannot encode {rate} Hz; resample to 16000 first")
    samples = np.frombuffer(pcm16, dtype="<i2")
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(encoder, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if codec == "opus":
            stream.bit_rate = OPUS_BITRATE
        frame = av.AudioFrame.from_ndarray(
            samples[np.newaxis, :], format=sample_format, layout="mono"
        )
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue(), mime


def _concatenate_frames(frames: list[av.AudioFrame]) -> FloatAudio:
    """Planar float frames of any channel count to one mono array (channels averaged)."""
    if not frames:
        return np.zeros(0, dtype=np.float32)
    mono = [
        np.asarray(f.to_ndarray(), dtype=np.float32).reshape(-1, f.samples).mean(axis=0)
        for f in frames
    ]
    return np.concatenate(mono).astype(np.float32)
