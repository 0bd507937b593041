"""The realism gap: a classifier cannot tell two draws of one distribution apart, and tells two
distinct ones apart; the Fréchet distance grows with the gap; the tagger's features read line art
and colors of any size."""

import numpy as np

from colorizer_app.nets.reference import ResNetTagger, ResNetTaggerConfig
from training.real_dev.realism import gap, tagger_features


def _draws(shift: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (40, 12)), rng.normal(0, 1, (30, 12)) + shift


def test_one_distribution_is_not_told_apart_and_two_are():
    alike = gap(*_draws(0.0, 1))
    apart = gap(*_draws(3.0, 1))
    assert alike.accuracy <= 0.7 and apart.accuracy >= 0.95
    assert apart.frechet > 10 * alike.frechet
    assert (apart.synthetic, apart.real) == (40, 30)


def test_tagger_features_read_line_art_and_colors_of_any_size():
    config = ResNetTaggerConfig(n_tags=5, stem=8, widths=(8, 8, 16, 16), layers=(1, 1, 1, 1))
    features = tagger_features(ResNetTagger(config).eval(), 64)
    lines = features(np.full((90, 50), 255, np.uint8))
    colors = features(np.zeros((40, 70, 3), np.uint8))
    assert lines.shape == colors.shape == (sum(config.widths),)
    assert not np.allclose(lines, colors)
