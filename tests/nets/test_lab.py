"""CIELAB in torch agrees with the project's numpy conversion and grows chroma as it should."""

import numpy as np
import torch

from colorizer_app.imaging.color import clip_chroma, lab_to_srgb, srgb_to_lab64
from colorizer_app.nets import lab
from colorizer_app.vocabulary import load_vocabulary, target_color

RNG = np.random.default_rng(0)


def test_torch_and_numpy_conversions_agree():
    rgb = RNG.integers(0, 256, (200, 3))
    ours = lab.srgb_to_lab(torch.tensor(rgb / 255.0))
    assert np.abs(ours.numpy() - srgb_to_lab64(rgb)).max() < 1e-6
    back = lab.lab_to_srgb(ours).numpy() * 255
    assert np.abs(back - rgb).max() < 1e-6


def test_a_doubled_tag_value_is_the_tag_colour_twice_as_vivid_within_the_gamut():
    vocabulary = load_vocabulary()
    for tag in vocabulary.cvt:
        rgb = torch.tensor([c / 255.0 for c in tag.rgb], dtype=torch.float64)
        ours = lab.scale_chroma(rgb, torch.tensor(2.0, dtype=torch.float64))
        expected = target_color({tag.name: 2.0}, vocabulary)
        assert np.abs(ours.numpy() * 255 - expected).max() <= 1.0, tag.name


def test_out_of_gamut_chroma_is_lowered_along_the_hue_line():
    rgb = RNG.integers(0, 256, (50, 3))
    factor = RNG.uniform(1, 5, 50)
    ours = lab.scale_chroma(torch.tensor(rgb / 255.0), torch.tensor(factor)).numpy() * 255
    vivid = srgb_to_lab64(rgb)
    vivid[:, 1:] *= factor[:, None]
    expected = lab_to_srgb(clip_chroma(vivid)).astype(float)
    assert np.abs(ours - expected).max() <= 1.0


def test_gradients_stay_finite_at_black_white_and_gray():
    rgb = torch.tensor(
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [0.9, 0.1, 0.0]], requires_grad=True
    )
    lab.scale_chroma(rgb, torch.full((4,), 2.0)).sum().backward()
    assert torch.isfinite(rgb.grad).all()
