"""AlacGAN (Ci et al.): configs build, paper sizes match the official code, tiny nets train."""

import pytest
import torch

from colorizer_app.nets import alacgan
from colorizer_app.nets.alacgan import AlacCritic, AlacGenerator, LocalFeatures
from colorizer_app.nets.blocks import count_parameters

torch.set_num_threads(1)

CONFIGS = alacgan.configs(n_cvt=7, n_cit=5)


def _preset(name: str) -> tuple:
    return tuple(CONFIGS[net][name] for net in ("generator", "critic", "tagger"))


def _millions(module: torch.nn.Module) -> float:
    return count_parameters(module) / 1e6


@pytest.mark.parametrize("name", alacgan.PRESETS)
def test_every_config_builds(name):
    generator, critic, tagger = _preset(name)
    with torch.device("meta"):
        local_net = LocalFeatures(tagger)
        nets = AlacGenerator(generator), AlacCritic(critic), local_net
    assert all(_millions(net) > 0 for net in nets)
    assert local_net.out_channels == generator.local_channels == critic.local_channels


def test_small_config_fits_a_cpu():
    generator, _, tagger = _preset("small")
    assert 1 <= _millions(AlacGenerator(generator)) <= 6
    assert tagger.n_tags == 12


def test_paper_config_uses_the_official_block_counts():
    """The official code stacks 20/8/8/5 blocks; the paper's text says 20/10/10/5."""
    stages = CONFIGS["generator"]["paper"].stage_dilations
    assert [len(s) for s in stages] == [20, 8, 8, 5]


@pytest.mark.parametrize("size", [(64, 64), (64, 96)])
def test_tiny_forward_backward(size):
    torch.manual_seed(0)
    generator_config, critic_config, tagger_config = _preset("tiny")
    local_net = LocalFeatures(tagger_config)
    generator, critic = AlacGenerator(generator_config), AlacCritic(critic_config)
    h, w = size
    sketch = torch.rand(2, 1, h, w) * 2 - 1
    hint = torch.rand(2, 4, h // 4, w // 4)

    local = local_net(sketch)
    assert local.shape == (2, generator_config.local_channels, h // 16, w // 16)
    color = generator(sketch, hint, local)
    assert color.shape == (2, 3, h, w)
    assert color.min() >= -1 and color.max() <= 1
    score = critic(color, local)
    assert score.shape == (2, 1)

    score.mean().backward()
    assert all(p.grad is not None for p in generator.parameters())
    assert all(p.grad is not None for p in critic.parameters())
    assert all(p.grad is None for p in local_net.parameters())


def test_hint_steers_the_output():
    torch.manual_seed(0)
    generator = AlacGenerator(CONFIGS["generator"]["tiny"])
    sketch = torch.zeros(1, 1, 64, 64)
    local = torch.zeros(1, CONFIGS["generator"]["tiny"].local_channels, 4, 4)
    plain = generator(sketch, torch.zeros(1, 4, 16, 16), local)
    hinted = generator(sketch, torch.ones(1, 4, 16, 16), local)
    assert not torch.allclose(plain, hinted)


def test_tagger_predicts_tags():
    tagger = LocalFeatures(CONFIGS["tagger"]["tiny"]).tagger
    logits = tagger(torch.zeros(2, 3, 32, 32))
    assert logits.shape == (2, 12)


def test_strokes_become_ci_et_al_points_pooled_and_thinned():
    hint = torch.zeros(1, 4, 16, 17)
    hint[:, :3], hint[:, 3] = torch.tensor([1.0, 0, 0])[:, None, None], 1.0
    hint[0, :, 0, 1] = torch.tensor([0.0, 0.0, 0.5, 0.5])  # not the strongest pixel of its cell
    points = alacgan.strokes_to_points(hint)
    assert points.shape == (1, 4, 4, 4) and points[0, 3].sum() == 8  # checkerboard half kept
    assert torch.equal(points[0, :, 0, 0], torch.tensor([1.0, 0, 0, 1]))
    assert torch.all(points[0, :, 0, 1] == 0)
