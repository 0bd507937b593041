"""Cao, Mo & Gao (CGF 2021): Tag2Pix with explicit region segmentation (skeleton maps).

Tag2Pix's losses and changing loss (``training.recipes.tag2pix``), with the paper's numbers:
λrec = 1000, β = 0.9, λcls = 40 for CVTs and CITs, lr 2e-4 for both networks, 5 epochs of the
segmentation step then 35 of the colorization step (step 2 at 5/40 of the generator's budget).
No brightness fine-tune (the paper has none). Two fusion modes (``fusion``):

- ``dual`` (Dual-branch): one generator whose segmentation branch predicts the skeleton map and
  feeds every color decoder block; L_G adds λseg·L_seg, the L1 between predicted and true
  skeleton maps (λseg = 0.9, eqs. 5 and 8), on the samples that have one.
- ``direct`` (Direct Concatenation): the paper takes DanbooRegion's trained skeleton U-Net; here
  it is trained first, alone, on L_seg for the first 5/40 of the budget, then frozen. The
  generator then trains on line art + predicted skeleton (2 channels) for the rest of the budget,
  with its own 5 : 35 two steps; the CIT extractor still reads the line art alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from colorizer_app.nets.segfusion import (
    DualBranchGenerator,
    SkeletonUNet,
    SkeletonUNetConfig,
    direct_concat_config,
)
from colorizer_app.nets.tag2pix import Tag2PixGenerator
from training import losses
from training.recipes.base import Export, RecipeSetup
from training.recipes.tag2pix import (
    BETAS,
    LR,
    Generated,
    Schedule,
    Tag2PixRecipe,
    phase_starts,
)

LAMBDA_SEG = 0.9
SEGMENTATION_EPOCHS, COLORIZATION_EPOCHS = 5, 35
SKELETON_SHARE = phase_starts([SEGMENTATION_EPOCHS, COLORIZATION_EPOCHS])[1]  # 0.125


def skeleton_loss(predicted: Tensor, batch: Mapping[str, Tensor]) -> Tensor | None:
    """L_seg on the samples that have a true skeleton map (folder images may not); None if none."""
    has = batch["has_skeleton"]
    if not bool(has.any()):
        return None
    return losses.segmentation_l1(predicted[has], batch["skeleton"][has])


class CaoRecipe(Tag2PixRecipe):
    name = "cao"
    description = "Cao et al.: Tag2Pix + skeleton-map segmentation, dual-branch or direct (CGF'21)"
    ablations = {"fusion": ("dual", "direct")}
    networks = ("generator", "discriminator", "cit_extractor", "skeleton_net")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        self.skeleton_net: SkeletonUNet | None = None
        self.opt_s: torch.optim.Optimizer | None = None
        if self.direct:
            self.skeleton_net = SkeletonUNet(SkeletonUNetConfig.named(setup.config)).to(self.device)
            self.opt_s = torch.optim.Adam(self.skeleton_net.parameters(), lr=LR, betas=BETAS)

    @property
    def direct(self) -> bool:
        return self.switch("fusion") == "direct"

    def _uses_cit(self) -> bool:
        return True

    def _schedule(self) -> Schedule:
        if not self.direct:
            return Schedule(classification_start=SKELETON_SHARE)
        # The generator's budget is what the skeleton U-Net leaves; 5 : 35 within it.
        return Schedule(classification_start=SKELETON_SHARE + (1 - SKELETON_SHARE) * SKELETON_SHARE)

    def _build_generator(self) -> nn.Module:
        config = self._generator_config()
        if self.direct:
            return Tag2PixGenerator(direct_concat_config(config))
        return DualBranchGenerator(config)

    def _generate(self, sketch: Tensor, cvt: Tensor) -> Generated:
        features = self._cit_features(sketch)
        if self.direct:
            with torch.no_grad():
                skeleton = self.skeleton_net(sketch)  # (B, 1, H, W), frozen after its share
            image, guide = self.generator(torch.cat([sketch, skeleton], 1), cvt, features)
            return Generated(image, guide, skeleton)
        return Generated(*self.generator(sketch, cvt, features))

    def _extra_generator_loss(
        self, generated: Generated, batch: Mapping[str, Tensor], logs: dict[str, float]
    ) -> Tensor | None:
        if self.direct:
            return None
        seg = skeleton_loss(generated.skeleton, batch)
        if seg is None:
            return None
        logs["seg"] = seg.item()
        return LAMBDA_SEG * seg

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        extra = {"opt_s": self.opt_s} if self.opt_s is not None else {}
        return {**super().optimizers(), **extra}

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        if self.direct and progress < SKELETON_SHARE:
            return self._skeleton_step(batch)
        return super().train_step(batch, progress)

    def _skeleton_step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        """Direct Concatenation's first share: the skeleton U-Net alone learns L_seg."""
        seg = skeleton_loss(self.skeleton_net(batch["sketch"]), batch)
        if seg is None:
            return {}
        self.opt_s.zero_grad(set_to_none=True)
        seg.backward()
        self.opt_s.step()
        return {"seg": seg.item()}

    def exports(self) -> list[Export]:
        notes = self._export_notes()
        if not self.direct:
            return [
                Export(
                    "cao_dual",
                    "segfusion.dual_branch",
                    self.generator,
                    accepts=("tags",),
                    extra=notes,
                )
            ]
        return [
            Export(
                "cao_direct",
                "segfusion.direct_concat",
                self.generator,
                accepts=("tags",),
                extra={**notes, "skeleton_unet": "skeleton_unet"},
            ),
            Export(
                "skeleton_unet",
                "segfusion.skeleton_unet",
                self.skeleton_net,
                accepts=(),
                extra={"skeleton_share": SKELETON_SHARE},
            ),
        ]
