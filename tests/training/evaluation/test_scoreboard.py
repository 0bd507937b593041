"""The scoreboard must be able to fail: oracles score as they must, and a wrong part is caught."""

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import delta_e, srgb_to_lab
from training import cli
from training.data.synthetic import TRAIN_SEED_LIMIT, generate
from training.evaluation.colorizers import flat_gray_colorizer, truth_colorizer
from training.evaluation.evaluator import Evaluator, eval_seeds
from training.evaluation.metrics import bleeding, frechet_distance, psnr, region_smudging, ssim
from training.evaluation.report import format_table, summarize

SIZE, N = 128, 8


def _overall(colorizer, n=N):
    evaluator = Evaluator(colorizer, size=SIZE)
    return summarize([evaluator.evaluate_sample(s) for s in eval_seeds(n)])["overall"]


def test_eval_seeds_never_overlap_training():
    seeds = eval_seeds(5, 3)
    assert min(seeds) >= TRAIN_SEED_LIMIT and len(seeds) == 5
    with pytest.raises(ColorizerError, match="must not be negative"):
        eval_seeds(5, -1)


def test_truth_oracle_scores_perfectly():
    overall = _overall(truth_colorizer)
    assert overall["tag_accuracy"]["value"] >= 0.99 and overall["tag_accuracy"]["cases"] >= 30
    assert overall["swapped_accuracy"]["value"] >= 0.99
    assert overall["reference_accuracy"]["value"] >= 0.99
    assert overall["bleeding"]["value"] < 0.01
    assert overall["slider_within15"]["value"] >= 0.95
    assert overall["psnr"]["value"] == 100 and overall["ssim"]["value"] == pytest.approx(1)
    assert overall["hint_accuracy"]["value"] < 0.2  # the truth ignores the (unlike) strokes
    assert overall["tag_with_strokes_accuracy"]["value"] >= 0.99


def test_flat_gray_scores_near_chance():
    overall = _overall(flat_gray_colorizer)
    assert overall["tag_accuracy"]["value"] < 0.25
    assert overall["swapped_accuracy"]["value"] < 0.3
    assert overall["hint_accuracy"]["value"] < 0.3
    assert overall["tag_with_strokes_accuracy"]["value"] < 0.3
    assert overall["slider_within15"]["value"] < 0.3
    assert overall["psnr"]["value"] < 20


def test_a_colorizer_that_drops_tags_when_strokes_come_loses_only_tags_with_strokes():
    def tags_unless_strokes(request):
        gray = np.full(request.truth.shape, 128, np.uint8)
        return gray if request.hints.strokes and request.tags else request.truth

    overall = _overall(tags_unless_strokes)
    assert overall["tag_accuracy"]["value"] >= 0.99
    assert overall["tag_with_strokes_accuracy"]["value"] < 0.3
    assert overall["tag_with_strokes_accuracy"]["cases"] >= 5


def test_hair_and_eyes_in_wrong_colors_lose_exactly_those_parts():
    evaluator = Evaluator(truth_colorizer, size=SIZE)
    vocab, palette = evaluator.vocab, evaluator.palette
    current = {}

    def wrong_hair_and_eyes(request):
        out = request.truth.copy()
        for part in ("hair", "eyes"):
            region = current["regions"] == vocab.parts.index(part)
            if not region.any():
                continue
            actual = np.median(srgb_to_lab(out[region]), axis=0)
            group = palette.group(vocab.cvt_for_part(part)[0])
            far = max(group, key=lambda t: float(delta_e(palette.lab[t.name], actual)))
            out[region] = far.rgb
        return out

    evaluator.colorizer = wrong_hair_and_eyes
    results = []
    for seed in eval_seeds(N):
        current["regions"] = generate(seed, evaluator.config).regions
        results.append(evaluator.evaluate_sample(seed))
    overall = summarize(results)["overall"]
    assert overall["tag_accuracy/hair"]["value"] == 0 and overall["tag_accuracy/eyes"]["value"] == 0
    assert overall["swapped_accuracy/hair"]["value"] == 0
    assert overall["tag_accuracy/eyes"]["cases"] >= 1
    others = [
        k
        for k in overall
        if k.startswith("tag_accuracy/") and k.split("/")[1] not in ("hair", "eyes")
    ]
    assert len(others) >= 4 and all(overall[k]["value"] == 1 for k in others)


def test_bleeding_counts_chroma_and_hue_not_lightness():
    labels = np.zeros((64, 64), np.int32)
    labels[:, 32:] = 1
    sketch = np.full((64, 64), 255, np.uint8)
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, :32] = (200, 40, 40)
    image[:, 32:] = (40, 40, 200)
    assert bleeding(image, labels, sketch, 50) == [0.0, 0.0]
    shaded = image.copy()
    shaded[:16, :32] = (140, 28, 28)  # darker red: shading, not bleeding
    assert max(bleeding(shaded, labels, sketch, 50)) < 0.3
    bled = image.copy()
    bled[:, 24:32] = (40, 40, 200)  # blue leaks into the red region
    values = bleeding(bled, labels, sketch, 50)
    assert values[0] == pytest.approx(7 / 31)  # eroded by a pixel at the border and values[1] == 0
    assert bleeding(bled, labels, sketch, 50, truth=bled) == [0.0, 0.0]  # by design in the truth


def test_psnr_ssim_and_frechet():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    noisy = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    assert psnr(a, a) == 100 and 18 < psnr(a, noisy) < 24
    assert ssim(a, a) == pytest.approx(1) and ssim(a, noisy) < 0.99
    smooth = np.repeat(np.linspace(40, 200, 48)[None, :, None], 48, axis=0).repeat(3, axis=2)
    smooth = smooth.astype(np.uint8)
    assert (
        ssim(smooth, np.clip(smooth + rng.normal(0, 20, smooth.shape), 0, 255).astype(np.uint8))
        < 0.5
    )
    assert ssim(a, np.full_like(a, 128)) < 0.1
    x = rng.normal(size=(500, 4))
    assert frechet_distance(x, x) == pytest.approx(0, abs=1e-6)
    shifted = frechet_distance(x, x + 2.0)
    assert shifted == pytest.approx(16.0, rel=0.05)  # ‖μ‖² = 4 · 2²
    assert frechet_distance(x, 3 * x) == pytest.approx(
        4 * np.trace(np.cov(x, rowvar=False)), rel=0.05
    )


def test_eval_command_writes_table_json_and_montage(tmp_path, capsys):
    assert (
        cli.main(
            ["eval", "--model", "flat-gray", "--n", "2", "--size", "128", "--out", str(tmp_path)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "tag_accuracy" in out and "overall" in out
    assert (tmp_path / "metrics.json").is_file() and (tmp_path / "montage.png").is_file()
    assert cli.main(["eval", "--model", "no-such-model", "--n", "1", "--out", str(tmp_path)]) == 2


def test_format_table_lists_columns():
    table = {
        "overall": {"psnr": {"value": 20.0, "cases": 2}},
        "style:clean": {"psnr": {"value": 21.0, "cases": 1}},
    }
    text = format_table(table)
    assert "style:clean" in text and "20.000" in text


def test_smudging_counts_lightness_that_bleeding_leaves_out():
    white = np.full((32, 32, 3), 255, np.uint8)
    mask = np.ones((32, 32), bool)
    assert region_smudging(srgb_to_lab(white), mask) == 0.0
    smudged = white.copy()
    smudged[:8] = (200, 200, 200)  # a gray smudge over a white fill: same hue and chroma
    assert region_smudging(srgb_to_lab(smudged), mask) == pytest.approx(0.25)
    assert bleeding(
        smudged, np.zeros((32, 32), np.int32), np.full((32, 32), 255, np.uint8), 50
    ) == [0.0]
    faint = white.copy()
    faint[:8] = (245, 245, 245)  # within ΔL* 12
    assert region_smudging(srgb_to_lab(faint), mask) == 0.0


def test_eval_real_scores_flat_fill_above_gray(tmp_path, capsys):
    drawing = np.full((160, 160), 255, np.uint8)
    drawing[:, 78:82] = 0
    drawing[78:82, :] = 0
    (tmp_path / "in").mkdir()
    Image.fromarray(drawing).save(tmp_path / "in" / "cross.png")
    scores = {}
    for model in ("flat", "flat-gray"):
        assert (
            cli.main(
                [
                    "eval-real",
                    str(tmp_path / "in"),
                    "--model",
                    model,
                    "--out",
                    str(tmp_path / model),
                ]
            )
            == 0
        )
        scores[model] = json.loads((tmp_path / model / "metrics.json").read_text())
    assert scores["flat"]["regions"] == 4 and scores["flat"]["adherence"] > 0.95
    assert scores["flat"]["bleeding"] < 0.05
    assert scores["flat"]["smudging"] < 0.05
    assert scores["flat-gray"]["adherence"] < 0.6
    assert (tmp_path / "flat" / "montage.png").is_file()


def test_eval_real_scores_the_segmentation_the_engine_sees():
    """Thin faint lines scaled down: the scored ink is what the engine's normalization keeps, so
    the regions scored are the regions the engine colors."""
    from colorizer_app.imaging.lineart import normalize_lineart, sketch_from_ink
    from colorizer_app.imaging.regions import segment_regions
    from training.real_dev.drawings import scaled_ink

    gray = np.full((1024, 1024), 255, np.uint8)
    for i in range(8):
        cv2.line(gray, (0, 60 + 120 * i), (1023, 120 * i), 120, 2, cv2.LINE_AA)  # fainter strands
        cv2.line(gray, (64 + 128 * i, 0), (64 + 128 * i, 1023), 0, 3, cv2.LINE_AA)
    pixels = np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    ink = scaled_ink(pixels, 256)
    assert ink.shape == (256, 256)
    sketch = sketch_from_ink(ink)
    seen = normalize_lineart(np.dstack([sketch, sketch, sketch, np.full_like(sketch, 255)])).ink
    assert segment_regions(seen).max() == segment_regions(ink).max() > 9  # the strands split
