from rubrics.bench import time_scoring


def test_time_scoring_reports_median_and_p95() -> None:
    result = time_scoring(n=30)
    assert result["runs"] == 30
    assert result["source"] == "eval-set"
    assert result["answers"] >= 40
    assert 0 < result["median_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert result["median_ms"] < 50
