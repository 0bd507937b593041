"""``python -m bench.first_run`` measures the CLI and the app on a folder of drawings."""

import numpy as np
import pytest
from PIL import Image

from bench import first_run


def test_a_folder_without_drawings_is_refused(tmp_path, capsys):
    assert first_run.main([str(tmp_path)]) == 2
    assert "no drawings" in capsys.readouterr().err


def test_the_cli_is_timed_on_each_drawing(tmp_path):
    drawing = np.full((48, 64, 3), 255, np.uint8)
    drawing[20:22, :] = 0
    Image.fromarray(drawing).save(tmp_path / "lines.png")
    scratch = tmp_path / "out"
    scratch.mkdir()
    assert first_run.cli_seconds([tmp_path / "lines.png"], scratch, "flat") > 0
    assert (scratch / "lines.png").is_file()


def test_the_app_wait_gives_up_with_a_message(monkeypatch, qapp):
    monkeypatch.setattr(first_run, "WAIT_S", 0.05)
    with pytest.raises(TimeoutError, match="did not get there"):
        first_run.wait_until(qapp, lambda: False)
