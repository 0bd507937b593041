"""``colorizer-cli batch``: every drawing of a folder colored; a bad one is reported and skipped."""

from PIL import Image

from colorizer_app.cli import main
from tests.tiny_model import drawing


def frames(folder, count=2):
    folder.mkdir()
    for i in range(count):
        Image.fromarray(drawing(40 + i, 50)).save(folder / f"frame{i}.png")
    (folder / "notes.txt").write_text("not a drawing")
    return folder


def test_colors_every_frame_with_layered_files(models_env, tmp_path, capsys):
    source = frames(tmp_path / "in")
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            str(source),
            str(out),
            "--tags",
            "blue_hair",
            "--model",
            "tiny",
            "--device",
            "cpu",
            "--threads",
            "1",
            "--size",
            "32",
            "--layers",
            "--ora",
            "--psd",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == f"colored 2 of 2 drawings into {out}"
    assert Image.open(out / "frame1.png").size == (50, 41)
    assert (out / "frame0.ora").is_file() and (out / "frame0.psd").is_file()
    assert (out / "frame0" / "composite.png").is_file()


def test_a_bad_file_is_reported_and_the_rest_continue(models_env, tmp_path, capsys):
    source = frames(tmp_path / "in", count=2)
    (source / "broken.png").write_bytes(b"garbage")
    out = tmp_path / "out"
    code = main(["batch", str(source), str(out), "--model", "flat"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.strip() == f"colored 2 of 3 drawings into {out}"
    lines = captured.err.splitlines()
    assert lines[0].startswith(f"{source / 'broken.png'}: cannot open")
    assert lines[-1] == "colorizer-cli: error: 1 of 3 drawings failed"
    assert sorted(p.name for p in out.iterdir()) == ["frame0.png", "frame1.png"]
    notes = [line for line in lines if line.startswith("note: flat fill colors only")]
    assert len(notes) == 1  # nothing to color: said once for the run, not per frame


def test_empty_or_missing_folder_exits_2(models_env, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), str(tmp_path / "out")]) == 2
    assert "holds no images" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nope"), str(tmp_path / "out")]) == 2
    assert "is not a folder" in capsys.readouterr().err
