"""Tag2Pix (Kim et al., ICCV 2019): two-step training with changing loss, then a brightness
fine-tune.

Losses (paper eqs. 1–5; the official code's terms):
- step 1, segmentation: L_D = −L_adv, L_G = L_adv + λrec·L_rec, with
  L_rec = ‖y − G_f‖₁ + β‖y − G_g‖₁ (guide decoder, β = 0.9) and λrec = 1000;
- step 2, colorization: both add λcls·L_cls, the discriminator's multi-label BCE on CVTs and CITs,
  for the real image (D only) and the generated one (D and G), λcls = 40 (its README's weight,
  Cao et al.'s too). Without CIT features the CIT term is dropped, as the official code does.
Adam 2e-4, β = (0.5, 0.999) for both networks, constant. The CIT extractor is the frozen
SE-ResNeXt of the ``tagger`` recipe (``--tagger``, arch=se_resnext); without one it keeps
random features.

Schedule: the paper trains 10 + 10 epochs (supplement, §5.3) and then 3 more with the sketch's
brightness scaled by U(1, 7) (§4.4), so with the fine-tune on, step 2 starts at 10/23 of the
budget and the fine-tune at 20/23; without it, step 2 starts halfway. The fine-tune weakens the
ink per sample as ``xdog.sketch_brightness_tag2pix`` does on uint8 arrays: x̂ = 1 − (1 − x)/b.

Ablations (supplement Tables 1 and 2: CIT feature, guide decoder, SECat, two-step), e.g.
N1 = cit=off guide=off decoder=se two_step=off; N4 = two_step=off; N5 = the defaults;
N6 = cit=off; N7 = guide=off; N8 = decoder=se. "Without SECat" is read as the SE-ResNeXt
decoder, the paper's Table 3 block (b), which merges the CVTs once at the bottleneck; ``decoder``
also takes the other Table 3 blocks. The brightness fine-tune belongs to the final model only;
switch it off (brightness=off) to compare with the ablation tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from colorizer_app.nets.blocks import DECODER_KINDS, SEResNeXt, SEResNeXtConfig
from colorizer_app.nets.tag2pix import (
    CITExtractor,
    DiscriminatorOutput,
    Tag2PixConfig,
    Tag2PixDiscriminator,
    Tag2PixDiscriminatorConfig,
    Tag2PixGenerator,
)
from training import losses
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.recipes.pretrained import load_frozen, load_shared, uses_shared_tagger

LAMBDA_REC, BETA, LAMBDA_CLS = 1000.0, 0.9, 40.0
LR, BETAS = 2e-4, (0.5, 0.999)
SEGMENTATION_EPOCHS, COLORIZATION_EPOCHS, BRIGHTNESS_EPOCHS = 10, 10, 3
BRIGHTNESS_RANGE = (1.0, 7.0)


# --------------------------------------------------------------------------- schedule


def phase_starts(epochs: Sequence[int]) -> list[float]:
    """Where each phase of a run of ``epochs`` (per phase) begins, as a share of the budget."""
    total = sum(epochs)
    return [sum(epochs[:i]) / total for i in range(len(epochs))]


@dataclass(frozen=True)
class Schedule:
    """The changing loss and the brightness fine-tune as shares (progress) of the budget."""

    classification_start: float  # step 2; 0 = classification loss from the start
    brightness_start: float | None = None

    def classifies(self, progress: float) -> bool:
        return progress >= self.classification_start

    def weakens_ink(self, progress: float) -> bool:
        return self.brightness_start is not None and progress >= self.brightness_start


def tag2pix_schedule(two_step: bool, brightness: bool) -> Schedule:
    """10 + 10 epochs (+ 3 of brightness fine-tune), as shares of the budget."""
    epochs = [SEGMENTATION_EPOCHS, COLORIZATION_EPOCHS]
    if brightness:
        epochs.append(BRIGHTNESS_EPOCHS)
    starts = phase_starts(epochs)
    return Schedule(
        classification_start=starts[1] if two_step else 0.0,
        brightness_start=starts[2] if brightness else None,
    )


def weaken_ink(sketch: Tensor, factor_range: tuple[float, float] = BRIGHTNESS_RANGE) -> Tensor:
    """Tag2Pix's brightness adjustment on a (B, 1, H, W) sketch in [-1, 1] (1 = paper): the ink
    gets b ~ U(factor_range) times fainter per sample, s' = 1 − (1 − s)/b."""
    low, high = factor_range
    b = low + (high - low) * torch.rand(sketch.shape[0], 1, 1, 1, device=sketch.device)
    return 1 - (1 - sketch) / b


# --------------------------------------------------------------------------- shared pieces


def cit_extractor_for(setup: RecipeSetup) -> tuple[nn.Module, str]:
    """The frozen CIT extractor and what the export records about it: cut from the SE-ResNeXt
    tagger in ``setup.tagger`` (a ``tag2pix.tagger`` model file of the same config; random
    without one), or the shared tagger read at 1/8 when ``setup.tagger`` is that one."""
    if uses_shared_tagger(setup):
        return load_shared(setup, "CIT extractor")
    tagger = SEResNeXt(SEResNeXtConfig.named(setup.config, len(setup.vocabulary.cit)))
    note = load_frozen(tagger, setup, "tag2pix.tagger", "CIT extractor")
    return CITExtractor.from_tagger(tagger), note


def generator_config(setup: RecipeSetup, **changes: object) -> Tag2PixConfig:
    """The config's Tag2Pix generator, sized for our vocabulary (``paper`` included)."""
    vocabulary = setup.vocabulary
    base = Tag2PixConfig.named(setup.config, len(vocabulary.cvt), len(vocabulary.cit))
    return dataclasses.replace(
        base, n_cvt=len(vocabulary.cvt), n_cit=len(vocabulary.cit), **changes
    )


def discriminator_config(setup: RecipeSetup) -> Tag2PixDiscriminatorConfig:
    vocabulary = setup.vocabulary
    base = Tag2PixDiscriminatorConfig.named(setup.config, len(vocabulary.cvt), len(vocabulary.cit))
    return dataclasses.replace(base, n_cvt=len(vocabulary.cvt), n_cit=len(vocabulary.cit))


class Generated(NamedTuple):
    image: Tensor  # (B, 3, H, W)
    guide: Tensor | None  # (B, 3, H, W) from the guide decoder
    skeleton: Tensor | None = None  # (B, 1, H, W) from Cao et al.'s segmentation branch


# --------------------------------------------------------------------------- the recipe


class Tag2PixRecipe(Recipe):
    name = "tag2pix"
    description = "Tag2Pix: tags → color, two-step changing loss, brightness fine-tune (ICCV'19)"
    ablations = {
        "cit": ("on", "off"),
        "guide": ("on", "off"),
        "decoder": ("secat", *(k for k in DECODER_KINDS if k != "secat")),  # SECat first
        "two_step": ("on", "off"),
        "brightness": ("on", "off"),
    }
    networks = ("generator", "discriminator", "cit_extractor")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        self.use_cit = self._uses_cit()
        self.cit_extractor: nn.Module | None = None
        self.tagger_note = "unused (no CIT features)"
        if self.use_cit:
            extractor, self.tagger_note = cit_extractor_for(setup)
            self.cit_extractor = extractor.to(self.device)
        self.schedule = self._schedule()
        self.generator = self._build_generator().to(self.device)
        self.discriminator = Tag2PixDiscriminator(discriminator_config(setup)).to(self.device)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=LR, betas=BETAS)

    # -- what the subclasses (Cao et al.) change

    def _uses_cit(self) -> bool:
        return self.switch("cit") == "on"

    def _schedule(self) -> Schedule:
        return tag2pix_schedule(self.switch("two_step") == "on", self.switch("brightness") == "on")

    def _build_generator(self) -> nn.Module:
        return Tag2PixGenerator(
            self._generator_config(
                use_cit=self.use_cit,
                use_guide=self.switch("guide") == "on",
                decoder_kind=self.switch("decoder"),
            )
        )

    def _generator_config(self, **changes: object) -> Tag2PixConfig:
        """``generator_config`` reading as many CIT channels as the extractor gives."""
        if self.cit_extractor is not None:
            changes["cit_channels"] = self.cit_extractor.out_channels
        return generator_config(self.setup, **changes)

    def _generate(self, sketch: Tensor, cvt: Tensor) -> Generated:
        image, guide = self.generator(sketch, cvt, self._cit_features(sketch))
        return Generated(image, guide)

    def _extra_generator_loss(
        self, generated: Generated, batch: Mapping[str, Tensor], logs: dict[str, float]
    ) -> Tensor | None:
        """Terms a subclass adds to L_G (Cao et al.'s L_seg); none for Tag2Pix."""
        return None

    # -- the shared training step

    def _cit_features(self, sketch: Tensor) -> Tensor | None:
        """The frozen extractor's features of the line art (never of a skeleton channel)."""
        if self.cit_extractor is None:
            return None
        with torch.no_grad():
            return self.cit_extractor(sketch[:, :1])

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"opt_g": self.opt_g, "opt_d": self.opt_d}

    def data_needs(self) -> DataNeeds:
        return DataNeeds(hints="none")  # binary tags, as the paper's Danbooru tags are

    def _classification(self, output: DiscriminatorOutput, batch: Mapping[str, Tensor]) -> Tensor:
        """L_cls of one image batch: BCE on the CVT head (+ the CIT head with CIT features)."""
        loss = losses.multilabel_classification(output.cvt, batch["cvt"])
        if self.use_cit:
            loss = loss + losses.multilabel_classification(output.cit, batch["cit"])
        return loss

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        sketch, real, cvt = batch["sketch"], batch["color"], batch["cvt"]
        if self.schedule.weakens_ink(progress):
            sketch = weaken_ink(sketch)
        classify = self.schedule.classifies(progress)
        generated = self._generate(sketch, cvt)
        fake = generated.image
        logs: dict[str, float] = {}

        self.opt_d.zero_grad(set_to_none=True)
        d_real, d_fake = self.discriminator(real), self.discriminator(fake.detach())
        d_loss = losses.bce_discriminator(d_real.adv, d_fake.adv)  # −L_adv
        logs["d_adv"] = d_loss.item()
        if classify:
            d_cls = self._classification(d_real, batch) + self._classification(d_fake, batch)
            d_loss = d_loss + LAMBDA_CLS * d_cls
            logs["d_cls"] = d_cls.item()
        d_loss.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        g_out = self.discriminator(fake)
        g_adv = losses.bce_generator(g_out.adv)
        rec = losses.l1_with_guide(fake, real, generated.guide, BETA)
        g_loss = g_adv + LAMBDA_REC * rec
        logs.update(g_adv=g_adv.item(), rec=rec.item())
        if classify:
            g_cls = self._classification(g_out, batch)
            g_loss = g_loss + LAMBDA_CLS * g_cls
            logs["g_cls"] = g_cls.item()
        extra = self._extra_generator_loss(generated, batch, logs)
        if extra is not None:
            g_loss = g_loss + extra
        g_loss.backward()
        self.opt_g.step()
        logs["g_loss"] = g_loss.item()
        return logs

    def exports(self) -> list[Export]:
        return [
            Export(
                "tag2pix",
                "tag2pix.generator",
                self.generator,
                accepts=("tags",),
                extra=self._export_notes(),
            )
        ]

    def _export_notes(self) -> dict[str, object]:
        return {
            "tagger": self.tagger_note,
            "classification_start": round(self.schedule.classification_start, 4),
            "brightness_start": (
                None
                if self.schedule.brightness_start is None
                else round(self.schedule.brightness_start, 4)
            ),
        }

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        return self._generate(batch["sketch"], batch["cvt"]).image
