"""Loss terms: values on known inputs, gradients where the papers rely on them."""

import pytest
import torch

from training import losses

torch.set_num_threads(1)


def test_bce_losses_prefer_the_right_side():
    confident_right = losses.bce_discriminator(torch.full((4, 1), 5.0), torch.full((4, 1), -5.0))
    confident_wrong = losses.bce_discriminator(torch.full((4, 1), -5.0), torch.full((4, 1), 5.0))
    assert confident_right < 0.02 < 5 < confident_wrong
    assert losses.bce_generator(torch.full((4, 1), 5.0)) < losses.bce_generator(torch.zeros(4, 1))


def test_lsgan_is_zero_at_targets():
    assert losses.lsgan_discriminator(torch.ones(3), torch.zeros(3)) == 0
    assert losses.lsgan_generator(torch.ones(3)) == 0


def test_wgan_critic_drift_term():
    real, fake = torch.tensor([2.0, 2.0]), torch.tensor([0.0, 0.0])
    assert losses.wgan_critic(real, fake, drift=0.0) == pytest.approx(-2.0)
    assert losses.wgan_critic(real, fake, drift=1e-3) == pytest.approx(-2.0 + 4e-3)


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic():
    n = 16 * 16 * 3
    # D(x) = sum(x) / sqrt(n) has a gradient of norm exactly 1 everywhere.
    critic = lambda x: x.flatten(1).sum(1) / n**0.5  # noqa: E731
    real, fake = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)
    assert losses.gradient_penalty(critic, real, fake) == pytest.approx(0.0, abs=1e-5)
    steep = lambda x: 3 * x.flatten(1).sum(1) / n**0.5  # noqa: E731
    assert losses.gradient_penalty(steep, real, fake) == pytest.approx(10 * 4.0, rel=1e-4)


def test_gradient_penalty_passes_conditions_and_backpropagates():
    weight = torch.ones(1, requires_grad=True)
    critic = lambda x, c: weight * (x * c).flatten(1).sum(1)  # noqa: E731
    real, fake, cond = torch.randn(2, 1, 4, 4), torch.randn(2, 1, 4, 4), torch.rand(2, 1, 4, 4)
    losses.gradient_penalty(critic, real, fake, cond).backward()
    assert weight.grad is not None and weight.grad.abs().item() > 0


def test_multilabel_classification_clamps_slider_values():
    logits = torch.tensor([[10.0, -10.0]])
    assert losses.multilabel_classification(logits, torch.tensor([[2.5, 0.0]])) < 1e-3


def test_l1_with_guide_adds_beta_times_guide_error():
    y = torch.zeros(1, 3, 4, 4)
    out, guide = torch.full_like(y, 0.5), torch.full_like(y, 1.0)
    assert losses.l1_with_guide(out, y, guide, beta=0.9) == pytest.approx(0.5 + 0.9)
    assert losses.l1_with_guide(out, y) == pytest.approx(0.5)


def test_region_weighted_l1_makes_a_small_region_matter():
    target = torch.zeros(1, 3, 32, 32)
    regions = torch.zeros(1, 32, 32, dtype=torch.long)
    regions[:, 10:13, 10:13] = 1  # a 9-pixel "iris" in a 1015-pixel background
    wrong_iris = target.clone()
    wrong_iris[:, :, 10:13, 10:13] = 1.0
    plain = torch.nn.functional.l1_loss(wrong_iris, target)
    weighted = losses.region_weighted_l1(wrong_iris, target, regions)
    assert weighted > 5 * plain
    # Samples without a region map fall back to plain L1.
    assert losses.region_weighted_l1(
        wrong_iris, target, regions, present=torch.zeros(1)
    ) == pytest.approx(plain.item())


def test_total_variation_of_constant_is_zero():
    assert losses.total_variation(torch.ones(1, 3, 8, 8)) == 0
    checker = (torch.arange(64).view(8, 8) % 2).float().view(1, 1, 8, 8)
    assert losses.total_variation(checker) > 0


def test_feature_losses():
    features = lambda x: [x, x.mean(1, keepdim=True)]  # noqa: E731
    a, b = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    assert losses.perceptual_l2(features, a, b, layer=0) == pytest.approx(1.0)
    assert losses.perceptual_l1_normalized(features, a, b) == pytest.approx(2.0)
    fm = losses.feature_matching([[a, a], [a]], [[b, b], [b]])
    assert fm == pytest.approx(2.0)


def test_yan_second_training_losses():
    img_t, img_b = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    feat_t, feat_b = torch.zeros(1, 8, 2, 2), torch.full((1, 8, 2, 2), 2.0)
    assert losses.hybrid_l1(img_t, img_b, feat_t, feat_b) == pytest.approx(3.0)
    gap_t, gap_a = torch.ones(1, 8), torch.zeros(1, 8)
    mapped_t = torch.ones(1, 8, requires_grad=True)
    assert losses.inversion_loss(gap_t, gap_a, mapped_t, torch.zeros(1, 8)).item() == 0
    loss = losses.inversion_loss(gap_t, gap_a, mapped_t * 3, torch.zeros(1, 8))
    loss.backward()
    assert loss.item() == pytest.approx(2.0) and mapped_t.grad.abs().sum() > 0
