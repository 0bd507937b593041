"""The synthetic data engine: deterministic, self-consistent ground truth, disjoint seed ranges."""

import cv2
import numpy as np
import pytest

from colorizer_app.imaging.color import delta_e, srgb_to_lab
from colorizer_app.vocabulary import load_vocabulary, target_color
from training.cli import main as training_main
from training.data.synthetic import (
    TRAIN_SEED_LIMIT,
    SyntheticConfig,
    eval_seed,
    generate,
    min_tag_pixels,
    render,
    train_seed,
)
from training.data.synthetic_character import PARTS, PID

CONFIG = SyntheticConfig()
SEEDS = range(12)


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def _fields(s):
    return [s.color, s.sketch, s.regions, s.skeleton, s.cvt, s.cit]


def test_same_seed_same_sample_and_different_seeds_differ():
    a, b = generate(7, with_reference=True), generate(7, with_reference=True)
    for x, y in zip(_fields(a) + [a.reference], _fields(b) + [b.reference], strict=False):
        assert np.array_equal(x, y)
    c = generate(8)
    assert not np.array_equal(a.color, c.color)
    assert not np.array_equal(a.regions, c.regions)


def test_sample_shapes_and_types():
    for size in (128, 512):
        s = generate(3, SyntheticConfig(size=size))
        assert s.color.shape == (size, size, 3) and s.color.dtype == np.uint8
        assert s.sketch.shape == s.regions.shape == s.skeleton.shape == (size, size)
        assert s.sketch.dtype == s.regions.dtype == s.skeleton.dtype == np.uint8
        assert s.source == "synthetic" and s.seed == 3 and s.framing in ("bust", "full")
    with pytest.raises(ValueError):
        SyntheticConfig(size=100)
    with pytest.raises(ValueError):
        generate(1, style="watercolor")


def test_seed_ranges_are_disjoint():
    assert train_seed(TRAIN_SEED_LIMIT - 1) < TRAIN_SEED_LIMIT <= eval_seed(0)
    assert min(eval_seed(i) for i in range(100)) >= TRAIN_SEED_LIMIT
    with pytest.raises(ValueError):
        train_seed(TRAIN_SEED_LIMIT)
    with pytest.raises(ValueError):
        eval_seed(-1)


def test_named_configs():
    assert SyntheticConfig.named("train") == SyntheticConfig()
    frozen = SyntheticConfig.named("eval-v1")
    assert frozen.size == 256 and frozen.full_body == 0.4
    assert {name for name, _ in frozen.styles} == {"clean", "xdog", "rough"}
    with pytest.raises(ValueError):
        SyntheticConfig.named("eval-v0")


def test_regions_skeleton_tags_and_colors_agree(vocab):
    for seed in SEEDS:
        s = generate(seed)
        r = render(seed, CONFIG)
        assert np.array_equal(s.regions, r.regions) and np.array_equal(s.color, r.color)
        counts = np.bincount(s.regions.ravel(), minlength=len(PARTS))
        present = {PARTS[i] for i in np.flatnonzero(counts)}
        assert set(s.part_colors) == present
        # the skeleton marks exactly the pixels whose right or lower neighbour is another region
        change = np.zeros(s.regions.shape, bool)
        change[:, :-1] |= s.regions[:, :-1] != s.regions[:, 1:]
        change[:-1, :] |= s.regions[:-1, :] != s.regions[1:, :]
        assert np.array_equal(s.skeleton == 255, change)
        assert set(np.unique(s.skeleton)) <= {0, 255}
        # every color tag: its part is visible and painted (flat) in the tag's target color
        values = vocab.decode_cvt(s.cvt)
        by_part = {}
        for name, v in values.items():
            by_part.setdefault(vocab.tag(name).part, {})[name] = v
        for part, part_values in by_part.items():
            assert counts[PID[part]] >= min_tag_pixels(CONFIG.size), (seed, part)
            assert s.part_colors[part] == target_color(part_values, vocab)
            flat = r.flat()[s.regions == PID[part]]
            assert np.all(flat == s.part_colors[part])
        # ... and every visible colorable part carries a color tag
        for part in present - {"eye_whites", "mouth"}:
            if counts[PID[part]] >= min_tag_pixels(CONFIG.size):
                assert part in by_part, (seed, part)
        # before shading is what the tags promise; the shaded image keeps it as the mode color
        for part in present:
            mask = s.regions == PID[part]
            if mask.sum() < 300 or (part == "background" and r.background == "gradient"):
                continue
            colors, n = np.unique(s.color[mask], axis=0, return_counts=True)
            assert tuple(int(c) for c in colors[n.argmax()]) == s.part_colors[part], (seed, part)


def test_shape_tags_follow_the_drawing(vocab):
    for seed in SEEDS:
        s = generate(seed)
        cit = {vocab.cit[i].name for i in np.flatnonzero(s.cit)}
        visible = {PARTS[i] for i in np.unique(s.regions)}
        assert ("upper_body" in cit) == (s.framing == "bust")
        assert len(cit & {"short_hair", "medium_hair", "long_hair"}) == 1
        if "skirt" in cit or "pants" in cit:
            assert "bottom" in visible
        if "hat" in cit:
            assert "hat" in visible


def test_tag_values_rerender_the_same_character(vocab):
    seed = 5
    base = generate(seed, style="clean")
    own = next(n for n, v in vocab.decode_cvt(base.cvt).items() if vocab.tag(n).part == "hair")
    new_tag = "green_hair" if own != "green_hair" else "red_hair"
    swapped = generate(seed, tag_values={new_tag: 1.0}, style="clean")
    assert np.array_equal(swapped.regions, base.regions)
    assert np.array_equal(swapped.sketch, base.sketch)  # clean lines carry no trace of colors
    assert swapped.part_colors["hair"] == vocab.tag(new_tag).rgb
    assert {p: c for p, c in swapped.part_colors.items() if p != "hair"} == {
        p: c for p, c in base.part_colors.items() if p != "hair"
    }
    decoded = vocab.decode_cvt(swapped.cvt)
    assert decoded[new_tag] == 1.0 and own not in decoded
    hair = base.regions == PID["hair"]
    diff = np.abs(swapped.color.astype(int) - base.color.astype(int)).sum(-1)
    assert diff[hair].mean() > 30
    far = cv2.erode((~hair).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert diff[far].max() == 0

    half = generate(seed, tag_values={new_tag: 0.5})
    assert half.part_colors["hair"] == target_color(
        {new_tag: 0.5}, vocab, other=base.part_colors["hair"]
    )
    hair_values = {
        n: v for n, v in vocab.decode_cvt(half.cvt).items() if vocab.tag(n).part == "hair"
    }
    assert hair_values == pytest.approx({new_tag: 0.5, own: 0.5})
    strong = generate(seed, tag_values={new_tag: 2.0})
    assert strong.part_colors["hair"] == target_color({new_tag: 2.0}, vocab)


def _share_near(image, rgb, tolerance=6.0):
    lab = srgb_to_lab(image.reshape(-1, 3))
    return float(np.mean(delta_e(lab, srgb_to_lab(np.array(rgb, np.uint8))) < tolerance))


def test_reference_is_the_same_character_deformed_or_another_character():
    s = generate(11, with_reference=True)
    assert s.reference.shape == s.color.shape and s.reference.dtype == np.uint8
    assert np.abs(s.reference.astype(int) - s.color.astype(int)).mean() > 10
    for part in ("hair", "top"):
        assert _share_near(s.reference, s.part_colors[part]) > 0.002, part
    other = generate(11, reference_seed=eval_seed(11))
    assert not np.array_equal(other.reference, s.reference)
    assert np.array_equal(other.color, s.color)


def test_styles_differ_and_look_like_line_art():
    sketches = {style: generate(2, style=style).sketch for style in ("clean", "xdog", "rough")}
    for style, sketch in sketches.items():
        ink = np.mean(sketch < 128)
        assert 0.01 < ink < 0.3, (style, ink)
    assert not np.array_equal(sketches["clean"], sketches["rough"])


def test_irises_are_large_in_bust_framing():
    heights = []
    for seed in range(30):
        r = render(seed, CONFIG)
        if r.framing != "bust":
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (r.regions == PID["eyes"]).astype(np.uint8)
        )
        heights += [stats[i, cv2.CC_STAT_HEIGHT] for i in range(1, n) if stats[i, 4] > 5]
    assert heights and np.median(heights) >= 12


def _iris_area(rendering):
    return int((rendering.regions == PID["eyes"]).sum())


def test_training_draws_anime_eyes_and_the_frozen_eval_config_never_does():
    """Real line art draws large eyes whose iris fills the eye: the training config gives most
    characters such eyes (more iris per eye), while eval-v1's samples stay as they were."""
    train, frozen = SyntheticConfig.named("train"), SyntheticConfig.named("eval-v1")
    styles = [render(seed, train).character.eye_style for seed in range(40)]
    assert 0.4 <= styles.count("anime") / len(styles) <= 0.8
    assert {render(seed, frozen).character.eye_style for seed in range(40)} == {"classic"}
    anime = [s for s in range(40) if styles[s] == "anime"]
    ratios = []
    for seed in anime:  # the same character in the same pose, but for its eyes
        a, b = render(seed, train), render(seed, frozen)
        assert (a.character.strand_seed, a.framing) == (b.character.strand_seed, b.framing)
        if _iris_area(b):
            ratios.append(_iris_area(a) / _iris_area(b))
    assert np.median(ratios) > 1.5


def test_preview_command_writes_a_montage(tmp_path):
    out = tmp_path / "preview.png"
    assert training_main(["preview-data", "--n", "3", "--size", "128", "--out", str(out)]) == 0
    image = cv2.imread(str(out))
    assert image.shape[0] == 2 * 128 and image.shape[1] > 7 * 128
    assert training_main(["preview-data", "--n", "1", "--size", "50", "--out", str(out)]) == 2


@pytest.mark.parametrize(
    "command",
    [
        ["train", "unified", "--config", "tiny", "--steps", "1"],
        ["eval", "--model", "truth", "--n", "1"],
    ],
)
def test_a_size_the_generator_cannot_draw_is_a_one_line_error(tmp_path, capsys, command):
    assert training_main([*command, "--size", "64", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "size 64 outside 128..512" in error and "internal error" not in error
