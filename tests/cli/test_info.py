"""``colorizer-cli info``: one line per image, exit 2 with one line per bad file."""

import numpy as np
from PIL import Image

from colorizer_app.cli import main


def drawing(tmp_path, name="drawing.png", inverted=False):
    gray = np.full((30, 40), 255, np.uint8)
    gray[10:12, 5:35] = 0
    gray[5:25, 20] = 0
    if inverted:
        gray = 255 - gray
    path = tmp_path / name
    Image.fromarray(gray).save(path)
    return str(path)


def test_info_describes_each_file(tmp_path, capsys):
    normal = drawing(tmp_path)
    inverted = drawing(tmp_path, "night.png", inverted=True)
    assert main(["info", normal, inverted]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines == [
        f"{normal}: 40x30 px, PNG L, dark-on-light, ink coverage 6.5%",
        f"{inverted}: 40x30 px, PNG L, light-on-dark, ink coverage 6.5%",
    ]
    assert out.err == ""


def test_transparency_is_reported(tmp_path, capsys):
    rgba = np.zeros((30, 40, 4), np.uint8)
    rgba[10:12, 5:35, 3] = 255
    path = tmp_path / "lines.png"
    Image.fromarray(rgba).save(path)
    assert main(["info", str(path)]) == 0
    assert "PNG RGBA with transparency, alpha, ink coverage 5.0%" in capsys.readouterr().out


def test_bad_file_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not really a png")
    assert main(["info", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1
    assert out.err.startswith(f'colorizer-cli: error: cannot open "{bad}": it is a text file')


def test_good_files_are_still_described_beside_bad_ones(tmp_path, capsys):
    good = drawing(tmp_path)
    missing = str(tmp_path / "missing.png")
    assert main(["info", missing, good, str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert out.out.startswith(f"{good}: 40x30 px")
    assert out.err.splitlines() == [
        f'cannot open "{missing}": no such file or folder',
        f'cannot open "{tmp_path}": it is a folder, not an image file',
        "colorizer-cli: error: 2 of 3 files could not be read",
    ]
    assert "Traceback" not in out.err
