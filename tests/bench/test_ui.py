"""The event-loop stall benchmark runs the real window end to end (timings are not asserted:
they depend on the machine)."""

from __future__ import annotations

import bench.ui


def test_the_stall_benchmark_runs_on_a_tiny_case(qapp, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLORIZER_MODELS_DIR", str(tmp_path / "no-models"))
    assert bench.ui.main(["--runs", "1", "--size", "256"]) == 0
    out = capsys.readouterr().out
    assert bench.ui.STAND_IN_LABEL in out and "256×256" in out and "CPUs" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 4  # the header and the stroke, slider and reference scenarios
    for row in rows[1:]:
        median, worst = (float(cell) for cell in row.split("|")[2:4])
        assert 0 <= median <= worst


def test_a_missing_model_file_is_a_clear_error(qapp, tmp_path, capsys):
    assert bench.ui.main(["--model", str(tmp_path / "nope.safetensors")]) == 2
    assert "nope.safetensors: model file not found" in capsys.readouterr().err
