from app.live.pacing import AudioPacer

FRAME = 0.04


def test_real_time_audio_never_waits():
    pacer = AudioPacer(burst_s=5.0, max_speed=1.25)
    assert all(pacer.delay(FRAME, i * FRAME) == 0.0 for i in range(10_000))


def test_a_burst_is_taken_at_once_then_audio_is_paced():
    pacer = AudioPacer(burst_s=5.0, max_speed=1.25)
    delays = [pacer.delay(FRAME, 0.0) for _ in range(124)]  # ~5 s sent in one instant
    assert sum(delays) == 0.0
    pacer.delay(FRAME, 0.0)  # the 125th frame empties the bucket (to rounding)
    assert pacer.delay(FRAME, 0.0) > 0


def test_audio_sent_all_at_once_is_read_at_the_max_speed_after_the_burst():
    pacer = AudioPacer(burst_s=5.0, max_speed=1.25)
    now = 0.0
    for _ in range(int(20 / FRAME)):  # 20 s of audio, the sender never waits by itself
        now += pacer.delay(FRAME, now)
    assert abs(now - (20 - 5) / 1.25) < 0.1


def test_quiet_time_refills_only_up_to_the_burst():
    pacer = AudioPacer(burst_s=2.0, max_speed=1.0)
    pacer.delay(FRAME, 0.0)
    pacer.delay(FRAME, 600.0)  # ten minutes without audio do not buy ten minutes of burst
    waits = [pacer.delay(FRAME, 600.0) for _ in range(100)]  # 4 s at once
    assert sum(waits) > 1.5
