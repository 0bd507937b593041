"""The real-drawing measures can fail: each is checked on pictures whose answer is known."""

import json

import numpy as np
import pytest
from PIL import Image

from colorizer_app.imaging.color import rgb_to_hex, srgb_to_lab
from colorizer_app.vocabulary import load_vocabulary
from training import cli
from training.real_dev import scoring
from training.real_dev.drawings import part_tags, prepare, sampled_strokes
from training.real_dev.labels import load_labels

VOCAB = load_vocabulary()


def _lab(rgb, shape=(40, 40)):
    return srgb_to_lab(np.full((*shape, 3), rgb, np.uint8))


def _rgb(tag):
    return VOCAB.tag(tag).rgb


POINTS = ((10, 10), (20, 20), (30, 12))


def test_tag_on_part_needs_the_tags_color():
    assert scoring.tag_on_part(_lab(_rgb("red_hair")), POINTS, "red_hair", VOCAB) == (True, 0.0)
    hit, distance = scoring.tag_on_part(_lab(_rgb("blue_hair")), POINTS, "red_hair", VOCAB)
    assert not hit and distance > 25


def test_skin_tones_are_the_warm_ones():
    tones = {tuple(np.round(c, 3)) for c in scoring.skin_tones(VOCAB)}
    expected = {"pale_skin", "fair_skin", "tan", "dark_skin"}
    assert tones == {tuple(np.round(scoring.palette_lab(VOCAB, t), 3)) for t in expected}


def test_a_face_in_the_hair_color_is_caught():
    assert scoring.face_stays_skin(_lab(_rgb("fair_skin")), POINTS, "pink_hair", VOCAB)
    assert not scoring.face_stays_skin(_lab(_rgb("pink_hair")), POINTS, "pink_hair", VOCAB)


def test_spread_sees_mud_in_an_untagged_part():
    paper = np.ones((40, 40), bool)
    assert scoring.spread(_lab((200, 40, 40)), POINTS, paper) == 0.0
    muddy = np.full((40, 40, 3), (200, 40, 40), np.uint8)
    muddy[:, ::2] = (90, 90, 60)
    assert scoring.spread(srgb_to_lab(muddy), POINTS, paper) > 0.3
    assert scoring.spread(_lab((200, 40, 40)), POINTS, np.zeros((40, 40), bool)) is None


def test_background_stains_are_measured_over_the_whole_region():
    labels = np.ones((40, 40), np.int32)
    labels[:, 30:] = 2
    paper = np.ones((40, 40), bool)
    image = np.full((40, 40, 3), 255, np.uint8)
    assert scoring.background_stains(srgb_to_lab(image), [(5, 5)], labels, paper) == 0.0
    image[30:, :10] = (120, 120, 120)  # a stain far from the point, in the point's region
    stains = scoring.background_stains(srgb_to_lab(image), [(5, 5)], labels, paper)
    assert stains == pytest.approx(100 / (40 * 30))
    assert scoring.background_stains(srgb_to_lab(image), [(35, 5)], labels, paper) == 0.0


def test_reconstruction_of_the_original_is_perfect():
    rng = np.random.default_rng(0)
    original = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
    paper = np.ones((20, 20), bool)
    assert scoring.reconstruction(original, original, paper) == (0.0, 100.0)
    de76, psnr = scoring.reconstruction(np.full_like(original, 128), original, paper)
    assert de76 > 10 and psnr < 20


def _dev_set(tmp_path):
    """A tiny dev set on made-up images: a line-art face and a color illustration."""
    line = np.full((120, 160), 255, np.uint8)
    line[:, 78:82] = 0  # left half "hair", right half "face"
    line[60:62, :] = 0
    (tmp_path / "img" / "real-lineart").mkdir(parents=True)
    Image.fromarray(line).save(tmp_path / "img" / "real-lineart" / "a.png")
    color = np.full((120, 160, 3), 255, np.uint8)
    color[:60, :80] = _rgb("red_hair")
    color[:60, 80:] = _rgb("fair_skin")
    color[60:, :80] = (40, 60, 160)
    color[60:62, :] = 0
    color[:, 78:82] = 0
    (tmp_path / "img" / "real-color").mkdir()
    Image.fromarray(color).save(tmp_path / "img" / "real-color" / "b.png")
    parts = {
        "hair": [[20, 20], [40, 30], [60, 20]],
        "skin": [[100, 20], [120, 30], [140, 20]],
        "top": [[20, 90], [40, 100], [60, 90]],
        "background": [[100, 90], [120, 100], [140, 90]],
    }
    labels = {
        "version": 1,
        "about": "made-up drawings for a test",
        "drawings": {
            "real-lineart/a.png": {"kind": "lineart", "width": 160, "height": 120, "parts": parts},
            "real-color/b.png": {
                "kind": "color",
                "width": 160,
                "height": 120,
                "tags": ["red_hair", "fair_skin"],
                "parts": parts,
            },
        },
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    return load_labels(tmp_path / "labels.json", VOCAB)


def test_line_art_tags_are_fixed_per_drawing_and_unlike_skin(tmp_path):
    lineart, color = sorted(_dev_set(tmp_path).drawings, key=lambda d: d.kind)[::-1]
    assert part_tags(color, VOCAB, seed=0) == {"hair": "red_hair"}
    tags = part_tags(lineart, VOCAB, seed=0)
    assert tags == part_tags(lineart, VOCAB, seed=0)
    assert VOCAB.tag(tags["hair"]).group == "hair_color"
    assert VOCAB.tag(tags["irises"]).group == "eye_color"
    hair = scoring.palette_lab(VOCAB, tags["hair"])
    assert np.linalg.norm(scoring.skin_tones(VOCAB) - hair, axis=1).min() > 25


def test_sampled_strokes_are_nested_and_take_the_originals_colors(tmp_path):
    color = next(d for d in _dev_set(tmp_path).drawings if d.is_color)
    prepared = prepare(color, tmp_path / "img", size=512)
    few, many = (sampled_strokes(prepared, n, seed=3).strokes for n in (4, 16))
    assert len(many) >= 12 and many[: len(few)] == few  # a region too thin gets none
    originals = {rgb_to_hex(c) for c in prepared.original.reshape(-1, 3)}
    assert {s.color for s in many} <= originals


def test_a_changed_image_is_refused(tmp_path):
    from training.real_dev.labels import LabelError

    drawing = _dev_set(tmp_path).drawings[0]
    Image.new("RGB", (10, 10), "white").save(tmp_path / "img" / drawing.key)
    with pytest.raises(LabelError, match="a different file"):
        prepare(drawing, tmp_path / "img", size=512)


def test_eval_real_scores_the_dev_set(tmp_path, capsys):
    """The command end to end on the made-up dev set, with flat fill: the color illustration is
    rebuilt better with more strokes, and the output files are all there."""
    _dev_set(tmp_path)
    out = tmp_path / "out"
    arguments = ["eval-real", "--model", "flat", "--out", str(out)]
    arguments += ["--labels", str(tmp_path / "labels.json"), "--images", str(tmp_path / "img")]
    assert cli.main(arguments) == 0
    result = json.loads((out / "metrics.json").read_text())
    assert [r["drawing"] for r in result["drawings"]] == ["real-color/b.png", "real-lineart/a.png"]
    parts = result["summary"]["parts"]["all"]
    assert parts["background_stains"]["value"] == 0.0 and parts["top_spread"]["cases"] == 2
    rebuilt = result["summary"]["reconstruction"]
    assert rebuilt["flat"]["64"]["de76"]["value"] < rebuilt["flat"]["0"]["de76"]["value"]
    assert rebuilt["lineart"]["64"]["de76"]["value"] == rebuilt["lineart"]["0"]["de76"]["value"]
    assert (out / "real-color-b.png").is_file() and (out / "real-lineart-a.png").is_file()
    assert "| hair_tag_accuracy |" in (out / "report.md").read_text()
    assert "| 64 |" in capsys.readouterr().out
