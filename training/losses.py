"""Every loss term the five papers train with, as plain functions (no nn.Module holds a loss).

Tensors are N×C×H×W in [-1, 1] unless said otherwise. Discriminator outputs are raw logits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

# --- adversarial ------------------------------------------------------------------------------


def bce_discriminator(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Standard (non-saturating) GAN loss for D, as Tag2Pix, Cao et al. and Yan et al. use."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def bce_generator(fake_logits: Tensor) -> Tensor:
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def lsgan_discriminator(real_out: Tensor, fake_out: Tensor) -> Tensor:
    """Least-squares GAN loss for D (the pix2pixHD-style multi-scale PatchGANs of Yuan et al.)."""
    return 0.5 * (((real_out - 1) ** 2).mean() + (fake_out**2).mean())


def lsgan_generator(fake_out: Tensor) -> Tensor:
    return 0.5 * ((fake_out - 1) ** 2).mean()


def wgan_critic(real_scores: Tensor, fake_scores: Tensor, drift: float = 1e-3) -> Tensor:
    """WGAN critic loss with Ci et al.'s drift term ε·E[D(real)²] that keeps scores near zero."""
    return fake_scores.mean() - real_scores.mean() + drift * (real_scores**2).mean()


def wgan_generator(fake_scores: Tensor) -> Tensor:
    return -fake_scores.mean()


def gradient_penalty(
    critic: Callable[..., Tensor],
    real: Tensor,
    fake: Tensor,
    *condition: Tensor,
    weight: float = 10.0,
) -> Tensor:
    """WGAN-GP: λ·E[(‖∇D(x̂)‖₂ − 1)²] on random interpolates x̂ of real and fake (λ = 10)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(mixed, *condition)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return weight * ((norms - 1) ** 2).mean()


def multilabel_classification(logits: Tensor, targets: Tensor) -> Tensor:
    """ACGAN's multi-label tag loss (BCE per tag). Targets above 1 (slider values) count as 1."""
    return F.binary_cross_entropy_with_logits(logits, targets.clamp(0, 1))


# --- reconstruction ---------------------------------------------------------------------------


def l1_with_guide(
    output: Tensor, target: Tensor, guide: Tensor | None = None, beta: float = 0.9
) -> Tensor:
    """Tag2Pix's L_rec = ‖y − G_f(x)‖₁ + β‖y − G_g(x)‖₁ (the guide decoder's term, β = 0.9)."""
    loss = F.l1_loss(output, target)
    if guide is not None:
        loss = loss + beta * F.l1_loss(guide, target)
    return loss


def region_weighted_l1(
    output: Tensor,
    target: Tensor,
    regions: Tensor,
    present: Tensor | None = None,
    power: float = 0.5,
) -> Tensor:
    """L1 where each region's pixels weigh (mean area / own area)^power.

    Plain L1 lets a network ignore small parts (a probe painted every iris brown): an eye is
    0.3 % of the pixels. Up-weighting small regions makes an iris matter about as much as its
    colour does to a viewer. ``regions`` is (N, H, W) integer part ids; ``present`` (N,) marks
    samples that have a region map (others get plain L1).
    """
    n = output.shape[0]
    per_pixel = (output - target).abs().mean(1)  # (N, H, W)
    weights = torch.ones_like(per_pixel)
    flat = regions.long().flatten(1)  # (N, H*W)
    n_labels = int(flat.max().item()) + 1
    counts = torch.zeros(n, n_labels, device=output.device).scatter_add_(
        1, flat, torch.ones_like(flat, dtype=torch.float32)
    )
    used = counts > 0
    mean_area = counts.sum(1, keepdim=True) / used.sum(1, keepdim=True).clamp(min=1)
    label_weight = torch.where(
        used, (mean_area / counts.clamp(min=1)) ** power, torch.zeros_like(counts)
    )
    pixel_weight = label_weight.gather(1, flat).view_as(per_pixel)
    pixel_weight = pixel_weight / pixel_weight.flatten(1).mean(1).view(n, 1, 1)
    if present is not None:
        keep = present.view(n, 1, 1).to(pixel_weight.dtype)
        weights = keep * pixel_weight + (1 - keep) * weights
    else:
        weights = pixel_weight
    return (weights * per_pixel).mean()


def segmentation_l1(predicted_skeleton: Tensor, skeleton: Tensor) -> Tensor:
    """Cao et al.'s L_seg: L1 between the predicted and the true skeleton map (both in [-1, 1])."""
    return F.l1_loss(predicted_skeleton, skeleton)


def total_variation(image: Tensor) -> Tensor:
    """Mean absolute difference of neighbouring pixels (Yan et al. use it at ≥ 384² only)."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).abs().mean()
    dy = (image[..., 1:, :] - image[..., :-1, :]).abs().mean()
    return dx + dy


# --- feature-space losses ---------------------------------------------------------------------

FeatureFn = Callable[[Tensor], Sequence[Tensor]]


def perceptual_l2(features: FeatureFn, output: Tensor, target: Tensor, layer: int = -1) -> Tensor:
    """Ci et al.'s content loss: mean squared distance of one feature layer of a fixed network."""
    return F.mse_loss(features(output)[layer], features(target)[layer].detach())


def perceptual_l1_normalized(features: FeatureFn, output: Tensor, target: Tensor) -> Tensor:
    """Yuan & Simo-Serra's perceptual loss: L1 per layer, each normalized by its element count
    (``mean``), summed over the layers so that no single layer's scale dominates."""
    loss = output.new_zeros(())
    for fake_f, real_f in zip(features(output), features(target), strict=True):
        loss = loss + F.l1_loss(fake_f, real_f.detach())
    return loss


def feature_matching(
    fake_features: Sequence[Sequence[Tensor]], real_features: Sequence[Sequence[Tensor]]
) -> Tensor:
    """Multi-scale discriminator feature matching: L1 between D's intermediate features on the fake
    and on the real image, averaged over layers and summed over the discriminators."""
    loss = fake_features[0][0].new_zeros(())
    for fake_layers, real_layers in zip(fake_features, real_features, strict=True):
        per_d = sum(F.l1_loss(f, r.detach()) for f, r in zip(fake_layers, real_layers, strict=True))
        loss = loss + per_d / len(fake_layers)
    return loss


# --- Yan et al.'s second training -------------------------------------------------------------


def hybrid_l1(
    image_target: Tensor, image_biased: Tensor, features_target: Tensor, features_biased: Tensor
) -> Tensor:
    """Eq. 12: pixel-level ‖G(x, φ(r_t)) − G(x, δ_b)‖₁ plus feature-level
    ‖ψ(x, φ(r_t)) − ψ(x, δ_b)‖₁."""
    return F.l1_loss(image_biased, image_target.detach()) + F.l1_loss(
        features_biased, features_target.detach()
    )


def inversion_loss(
    gap_target: Tensor, gap_source: Tensor, mapped_target: Tensor, mapped_source: Tensor
) -> Tensor:
    """Eq. 13: the mapped tag difference must equal the pooled reference-feature difference,
    ‖(GAP φ(r_t) − GAP φ(r_a)) − (ϕ(cls_t) − ϕ(cls_a))‖₁."""
    return F.l1_loss(mapped_target - mapped_source, (gap_target - gap_source).detach())
