"""``python -m bench.big_drawing`` colors a drawing and reports its time and peak memory."""

from bench.big_drawing import measure


def test_measure_colors_a_drawing_and_reports_time_and_peak_memory():
    result = measure(128, "flat")
    assert result["seconds"] > 0 and result["peak_mb"] > 10
