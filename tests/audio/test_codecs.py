"""PCM conversion, resampling, container decoding and answer-audio encoding."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from audio.codecs import (
    AudioFormatError,
    decode_file,
    encode_answer_audio,
    float_to_pcm16,
    pcm16_to_float,
    resample,
)


def tone(frequency: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(float_to_pcm16(samples))
    return buffer.getvalue()


def test_pcm16_round_trip_is_exact() -> None:
    pcm = np.array([-32768, -12345, -1, 0, 1, 12345, 32767], dtype="<i2").tobytes()

    samples = pcm16_to_float(pcm)

    assert samples.dtype == np.float32
    assert samples.min() == -1.0 and samples.max() < 1.0
    assert float_to_pcm16(samples) == pcm


def test_float_to_pcm16_clips_out_of_range_samples() -> None:
    pcm = float_to_pcm16(np.array([-2.0, 2.0], dtype=np.float32))

    assert np.frombuffer(pcm, dtype="<i2").tolist() == [-32768, 32767]


def test_odd_length_pcm_is_rejected() -> None:
    with pytest.raises(AudioFormatError, match="even"):
        pcm16_to_float(b"\x00\x01\x02")


@pytest.mark.parametrize(("src", "dst"), [(22050, 16000), (48000, 16000), (16000, 48000)])
def test_resample_keeps_duration_and_pitch(src: int, dst: int) -> None:
    samples = tone(440.0, 1.5, src)

    result = resample(samples, src, dst)

    assert result.dtype == np.float32
    assert result.size == round(samples.size * dst / src)
    assert dominant_frequency(result, dst) == pytest.approx(440.0, abs=2.0)
    expected = tone(440.0, 1.5, dst)
    middle = slice(dst // 10, -dst // 10)
    assert np.max(np.abs(result[middle] - expected[middle])) < 0.01


def test_downsampling_removes_frequencies_above_the_new_nyquist() -> None:
    alias_prone = tone(10_000.0, 1.0, 44100)  # above 8 kHz: must vanish at 16 kHz

    result = resample(alias_prone, 44100, 16000)

    assert np.sqrt(np.mean(result[1000:-1000] ** 2)) < 0.01


def test_resample_handles_tiny_inputs() -> None:
    assert resample(np.ones(7, dtype=np.float32), 22050, 16000).size == 5
    assert resample(np.zeros(0, dtype=np.float32), 22050, 16000).size == 0


def test_decode_wav_bytes_resamples_to_16k_mono() -> None:
    data = wav_bytes(tone(300.0, 2.0, 44100), 44100)

    decoded = decode_file(data)

    assert decoded.size == pytest.approx(32000, abs=16)
    assert dominant_frequency(decoded, 16000) == pytest.approx(300.0, abs=2.0)


def test_stereo_is_averaged_to_mono_without_clipping() -> None:
    left = tone(300.0, 1.0, 16000, amplitude=0.9)
    stereo = np.stack([left, left], axis=1).reshape(-1)  # interleaved, channels in phase
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(float_to_pcm16(stereo))

    decoded = decode_file(buffer.getvalue())

    assert decoded.size == 16000
    assert np.max(np.abs(decoded)) == pytest.approx(0.9, abs=0.01)


def test_decode_file_from_path(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(wav_bytes(tone(500.0, 1.0, 16000), 16000))

    decoded = decode_file(path, rate=8000)

    assert decoded.size == pytest.approx(8000, abs=8)
    assert dominant_frequency(decoded, 8000) == pytest.approx(500.0, abs=2.0)


@pytest.mark.parametrize(
    ("codec", "mime", "max_ratio", "min_correlation"),
    [("opus", "audio/ogg; codecs=opus", 0.2, 0.95), ("flac", "audio/flac", 1.0, 0.9999)],
)
def test_answer_audio_encodes_and_decodes_back(
    codec: str, mime: str, max_ratio: float, min_correlation: float
) -> None:
    rng = np.random.default_rng(7)
    # Speech-like: a few harmonics with a syllable-rate envelope, plus a little noise.
    t = np.arange(3 * 16000) / 16000
    voice = sum(np.sin(2 * np.pi * f * t) / i for i, f in enumerate([180, 360, 540, 900], 1))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))
    samples = (0.25 * voice * envelope + 0.005 * rng.standard_normal(t.size)).astype(np.float32)
    pcm = float_to_pcm16(samples)

    encoded, returned_mime = encode_answer_audio(pcm, codec)  # type: ignore[arg-type]
    decoded = decode_file(encoded)

    assert returned_mime == mime
    assert len(encoded) < max_ratio * len(pcm)
    assert decoded.size == pytest.approx(samples.size, abs=160)
    n = min(decoded.size, samples.size)
    assert np.corrcoef(decoded[:n], samples[:n])[0, 1] > min_correlation


@pytest.mark.parametrize(("container", "encoder"), [("webm", "libopus"), ("mp3", "libmp3lame")])
def test_decodes_browser_and_common_formats(container: str, encoder: str) -> None:
    rate = 48000
    samples = tone(440.0, 1.0, rate)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(encoder, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        frame = av.AudioFrame.from_ndarray(samples[np.newaxis, :], format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)

    decoded = decode_file(buffer.getvalue())

    assert decoded.size == pytest.approx(16000, abs=1200)  # codec priming/padding
    assert dominant_frequency(decoded, 16000) == pytest.approx(440.0, abs=2.0)


def test_decode_real_flac_recording(jfk_audio: np.ndarray) -> None:
    assert jfk_audio.dtype == np.float32
    assert jfk_audio.size / 16000 == pytest.approx(11.0, abs=0.05)
    assert 0.1 < np.max(np.abs(jfk_audio)) <= 1.0


@pytest.mark.parametrize("data", [b"not audio at all" * 20, b"RIFF\x00\x00\x00\x00WAVE", b""])
def test_undecodable_bytes_raise_audio_format_error(data: bytes) -> None:
    with pytest.raises(AudioFormatError):
        decode_file(data)


def test_missing_file_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        decode_file(tmp_path / "nope.wav")


def test_encoding_rejects_unknown_codec_and_empty_audio() -> None:
    with pytest.raises(AudioFormatError, match="codec"):
        encode_answer_audio(b"\x00\x00" * 100, "mp3")  # type: ignore[arg-type]
    with pytest.raises(AudioFormatError):
        encode_answer_audio(b"", "opus")
    with pytest.raises(AudioFormatError, match="22050"):
        encode_answer_audio(b"\x00\x00" * 100, "opus", rate=22050)
