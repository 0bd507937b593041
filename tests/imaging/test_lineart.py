"""Line-art normalization: one drawing stored seven ways gives one ink map."""

import cv2
import numpy as np
import pytest

from colorizer_app.imaging.lineart import POLARITIES, normalize_lineart, sketch_from_ink

SIZE = 320


def clean_drawing() -> np.ndarray:
    """Black anti-aliased lines of several widths, circles and a solid fill on white (gray)."""
    gray = np.full((SIZE, SIZE), 255, np.uint8)
    cv2.circle(gray, (110, 120), 70, 0, 3, cv2.LINE_AA)
    cv2.circle(gray, (220, 200), 50, 0, 1, cv2.LINE_AA)
    cv2.ellipse(gray, (160, 250), (90, 30), 15, 0, 300, 0, 2, cv2.LINE_AA)
    for i, width in enumerate([1, 2, 3, 5, 8]):
        cv2.line(gray, (20 + i * 8, 300), (300, 20 + i * 40), 0, width, cv2.LINE_AA)
    cv2.rectangle(gray, (240, 60), (290, 110), 0, -1)
    return gray


def coverage_of(gray: np.ndarray) -> np.ndarray:
    """How much of each pixel the black lines cover, 0..1."""
    return (255.0 - gray[..., None]) / 255.0


def colored(gray, line_rgb, paper_rgb=(255, 255, 255)) -> np.ndarray:
    cover = coverage_of(gray)
    mixed = np.array(paper_rgb) * (1.0 - cover) + np.array(line_rgb) * cover
    return np.rint(mixed).astype(np.uint8)


def alpha_only(gray, rgb_value) -> np.ndarray:
    rng = np.random.default_rng(3)
    if rgb_value is None:
        rgb = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    else:
        rgb = np.full((SIZE, SIZE, 3), rgb_value, np.uint8)
    return np.dstack([rgb, 255 - gray])


def noisy_jpeg(gray) -> np.ndarray:
    rng = np.random.default_rng(4)
    noisy = np.clip(np.dstack([gray] * 3) + rng.normal(0, 10, (SIZE, SIZE, 3)), 0, 255)
    _, encoded = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def lighting() -> np.ndarray:
    """A photo's light: a vignette off-center times a left-to-right falloff (0.58..1)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    return (1.0 - 0.5 * ((x - 0.3) ** 2 + (y - 0.4) ** 2)) * (0.75 + 0.25 * x)


def photographed_pencil(gray) -> np.ndarray:
    rng = np.random.default_rng(5)
    drawing = colored(gray, (70, 70, 80), paper_rgb=(235, 225, 200))
    lit = drawing * lighting()[..., None] + rng.normal(0, 6, (SIZE, SIZE, 3))
    return np.clip(lit, 0, 255).astype(np.uint8)


VARIANTS = {
    "alpha-black-rgb": (lambda g: alpha_only(g, 0), "alpha"),
    "alpha-white-rgb": (lambda g: alpha_only(g, 255), "alpha"),
    "alpha-random-rgb": (lambda g: alpha_only(g, None), "alpha"),
    "inverted": (lambda g: 255 - g, "light-on-dark"),
    "inverted-gray-paper": (lambda g: colored(g, (235, 235, 235), (35, 35, 35)), "light-on-dark"),
    "brown": (lambda g: colored(g, (120, 70, 30)), "dark-on-light"),
    "blue": (lambda g: colored(g, (40, 70, 200)), "dark-on-light"),
    "pink": (lambda g: colored(g, (240, 120, 170)), "dark-on-light"),
    "noisy-jpeg": (noisy_jpeg, "dark-on-light"),
    "photographed-pencil": (photographed_pencil, "dark-on-light"),
}


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a >= 128, b >= 128
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope="module")
def reference():
    return normalize_lineart(clean_drawing())


def test_clean_drawing_ink_convention(reference):
    gray = clean_drawing()
    assert reference.polarity == "dark-on-light"
    assert reference.ink.shape == gray.shape and reference.ink.dtype == np.uint8
    assert (reference.ink[gray == 0] == 255).all()  # full ink on the lines
    assert (reference.ink[gray == 255] == 0).all()  # nothing on the paper
    soft = (reference.ink > 0) & (reference.ink < 255)
    assert soft.sum() > 500  # anti-aliasing is kept, not thresholded away
    assert reference.coverage == pytest.approx(np.mean(reference.ink >= 128))
    assert 0.1 < reference.coverage < 0.2


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_agree_with_the_clean_drawing(reference, name):
    render, polarity = VARIANTS[name]
    result = normalize_lineart(render(clean_drawing()))
    assert result.polarity == polarity
    assert iou(result.ink, reference.ink) >= 0.9


def test_layouts_give_the_same_ink(reference):
    gray = clean_drawing()
    rgb = np.dstack([gray] * 3)
    opaque = np.dstack([rgb, np.full_like(gray, 255)])
    for image in (rgb, opaque):
        assert np.array_equal(normalize_lineart(image).ink, reference.ink)


def test_transparent_margin_is_not_ink(reference):
    """A mostly opaque drawing with a transparent border is composited on white, not read as
    alpha lines."""
    rgba = np.dstack([np.dstack([clean_drawing()] * 3), np.full((SIZE, SIZE), 255, np.uint8)])
    rgba[:20, :, 3] = 0
    rgba[:20, :, :3] = 0
    result = normalize_lineart(rgba)
    assert result.polarity == "dark-on-light"
    assert (result.ink[:20] == 0).all()
    assert iou(result.ink, reference.ink) >= 0.95


def test_large_black_fill_does_not_flip_polarity():
    gray = clean_drawing()
    gray[60:260, 60:260] = 0  # 39 % of the picture solid black, paper around it
    result = normalize_lineart(gray)
    assert result.polarity == "dark-on-light"
    assert (result.ink[100:220, 100:220] == 255).all()


@pytest.mark.parametrize("light", ["even", "uneven"])
def test_blank_paper_has_no_ink(light):
    rng = np.random.default_rng(6)
    lit = lighting() if light == "uneven" else np.ones((SIZE, SIZE))
    paper = 230 * lit[..., None] + rng.normal(0, 6, (SIZE, SIZE, 3))
    result = normalize_lineart(np.clip(paper, 0, 255).astype(np.uint8))
    assert result.coverage < 0.001


def test_faint_lines_are_lifted_to_full_ink(reference):
    faint = colored(clean_drawing(), (180, 180, 180))
    result = normalize_lineart(faint)
    assert iou(result.ink, reference.ink) >= 0.9
    assert np.mean(result.ink[clean_drawing() == 0] >= 200) >= 0.95


def test_sketch_from_ink(reference):
    sketch = sketch_from_ink(reference.ink)
    assert sketch.dtype == np.uint8
    assert np.array_equal(sketch.astype(int), 255 - reference.ink.astype(int))


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 2), np.uint8)])
def test_rejects_unexpected_arrays(bad):
    with pytest.raises(ValueError):
        normalize_lineart(bad)


def test_polarities_are_the_documented_ones():
    assert POLARITIES == ("dark-on-light", "light-on-dark", "alpha")
