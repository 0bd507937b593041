"""Yuan & Simo-Serra 2021: CSA blocks fed by hint features, three multi-scale PatchGANs.

As the paper trains it (§3.3, §4):

- D_1..3 (line art + color at full, ½ and ¼ size) with the log-loss cGAN of eq. 1;
- G: Σ_i L_cGAN(G, D_i) + λ Σ_i (L_FM(G, D_i) + L_perc(G)) (eq. 4) — the perceptual term sits inside
  the sum over the three discriminators, so it counts three times. The paper does not print λ; it
  adopts Wang et al.'s (pix2pixHD) framework, whose λ = 10 we take;
- L_perc: per-layer-normalized L1 (eq. 3) over the first ReLU of every stage of the frozen VGG19
  (relu1_1 … relu5_1, pix2pixHD's layers), the same net whose conv4_4 gives the hint features;
- Adam 2e-4, β = (0.5, 0.999), G and D updated once per iteration;
- patch hints (geometric count, p = 0.125, 1×1–8×8 patches of mean color) and the line-art style
  mix p = 0.1 XDoG, 0.5 sketchKeras-like (our "rough"), 0.4 Sketch-Simplification-like ("clean").

The VGG is a ``csa.hint_features`` model file from the ``tagger`` recipe (``--tagger``). Given the
shared tagger instead (a ``reference.tagger`` file), that one net serves both: its stage at 1/8
gives the hint features and the output of every stage the perceptual loss. Ablation ``csa=off``
replaces the CSA blocks by plain ResNet blocks (Table 1's "w/o proposed module").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from colorizer_app.nets import csa
from training import losses
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.recipes.pretrained import load_frozen, load_shared, uses_shared_tagger

LR, BETAS = 2e-4, (0.5, 0.999)
LAMBDA = 10.0
STYLES = {"xdog": 0.1, "rough": 0.5, "clean": 0.4}


def perceptual_layers(features: csa.HintFeatures) -> list[str]:
    """The first ReLU of every VGG stage (relu1_1 … relu5_1 in VGG19)."""
    return [f"relu{stage}_1" for stage in range(1, len(features.net.config.stages) + 1)]


class CSARecipe(Recipe):
    name = "csa"
    description = "Yuan & Simo-Serra 2021: patch hints, CSA blocks, multi-scale PatchGANs"
    ablations = {"csa": ("on", "off")}
    networks = ("generator", "discriminator", "hint_features")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        n_cvt, n_cit = len(setup.vocabulary.cvt), len(setup.vocabulary.cit)
        presets = csa.configs(n_cvt, n_cit)
        self.shared = uses_shared_tagger(setup)
        self.hint_features: nn.Module
        self.perceptual_features: Callable[[Tensor], list[Tensor]]
        if self.shared:
            shared, self.tagger_note = load_shared(setup, "hint features and perceptual network")
            stages = range(len(shared.config.widths))
            self.perceptual_features = lambda image: shared.features(image, stages)
            self.hint_features = shared.to(self.device)
        else:
            # Sized to our tags at every config, as the tagger recipe trains it.
            vgg_config = presets["hint_features"][setup.config]
            vgg_config = dataclasses.replace(
                vgg_config, vgg=dataclasses.replace(vgg_config.vgg, n_tags=n_cvt + n_cit)
            )
            vgg = csa.HintFeatures(vgg_config)
            self.tagger_note = load_frozen(vgg, setup, "csa.hint_features", "VGG feature net")
            layers = perceptual_layers(vgg)
            self.perceptual_features = lambda image: vgg.net.features(image, layers)
            self.hint_features = vgg.to(self.device)
        g_config = dataclasses.replace(
            presets["generator"][setup.config],
            hint_feature_channels=self.hint_features.out_channels,
        )
        if self.switch("csa") == "off":
            g_config = dataclasses.replace(g_config, attention=False)
        self.generator = csa.CSAGenerator(g_config).to(self.device)
        self.discriminator = csa.MultiScalePatchGAN(presets["discriminator"][setup.config]).to(
            self.device
        )
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=LR, betas=BETAS)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"opt_g": self.opt_g, "opt_d": self.opt_d}

    def data_needs(self) -> DataNeeds:
        return DataNeeds(hints="yuan-patches", styles=STYLES)

    def _generate(self, sketch: Tensor, hint: Tensor) -> Tensor:
        features = None
        if self.switch("csa") == "on":
            with torch.no_grad():
                features = self.hint_features(hint)
        return self.generator(sketch, hint, features)

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        sketch, real = batch["sketch"], batch["color"]
        hint = batch["hint"] * batch["has_hint"].view(-1, 1, 1, 1).to(batch["hint"].dtype)
        fake = self._generate(sketch, hint)

        self.opt_d.zero_grad(set_to_none=True)
        real_out = self.discriminator(torch.cat([sketch, real], 1))
        fake_out = self.discriminator(torch.cat([sketch, fake.detach()], 1))
        d_loss = sum(
            losses.bce_discriminator(r[-1], f[-1]) for r, f in zip(real_out, fake_out, strict=False)
        )
        d_loss.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        fake_out = self.discriminator(torch.cat([sketch, fake], 1))
        adv = sum(losses.bce_generator(f[-1]) for f in fake_out)
        fm = losses.feature_matching([f[:-1] for f in fake_out], [r[:-1] for r in real_out])
        perc = losses.perceptual_l1_normalized(self.perceptual_features, fake, real)
        g_loss = adv + LAMBDA * (fm + len(fake_out) * perc)
        g_loss.backward()
        self.opt_g.step()
        return {
            "d_loss": d_loss.item(),
            "g_adv": adv.item(),
            "fm": fm.item(),
            "perc": perc.item(),
            "g_loss": g_loss.item(),
        }

    def exports(self) -> list[Export]:
        if self.shared:  # its companion is the --tagger file itself
            return [
                Export(
                    "csa",
                    "csa.generator",
                    self.generator,
                    accepts=("strokes",),
                    extra={"tagger": self.tagger_note, "hint_features": "the tagger"},
                )
            ]
        return [
            Export(
                "csa",
                "csa.generator",
                self.generator,
                accepts=("strokes",),
                extra={"tagger": self.tagger_note, "hint_features": "csa-hint-features"},
            ),
            Export(
                "csa-hint-features",
                "csa.hint_features",
                self.hint_features,
                accepts=("strokes",),
                extra={"tagger": self.tagger_note},
            ),
        ]

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        hint = batch["hint"] * batch["has_hint"].view(-1, 1, 1, 1).to(batch["hint"].dtype)
        return self._generate(batch["sketch"], hint)
