"""The app's own model: one generator for any subset of strokes, tags and a reference.

Each sample gets a random subset of the inputs (none included), so the model learns every
combination the artist can give it. Losses:

- region-weighted L1 (small parts such as irises weigh about as much as hair: a probe's model
  trained with plain L1 painted every iris brown);
- part color: the mean output color of each part's region must match the ground truth's — the
  direct form of what tag accuracy and hint accuracy measure, for every part, however small;
- Cao et al.'s segmentation L1 on the skeleton map from the dual branch (λseg = 0.9);
- part naming: cross-entropy of the dual branch's per-pixel part logits against the synthetic
  part map, from the first step (``part_naming``; a colour loss alone tells the network *that*
  the hair is wrong, this tells it *where* the hair is); the same part probabilities carry the
  generator's part prior (``part_prior``: tags and strokes straight to every pixel of a part),
  each part's prior colour from its own tags only (``palette`` own-tags; ``dense`` let other
  parts' tags drive the mouth and the eye whites);
- region hints (``region_hints``, on by default): the simulated strokes arrive flooded over the
  regions of the line art they touch, as the engine gives them (``FlatFill.hint_map``), and the
  prior starts each flooded region from its stroke's colour: a part with strokes of two colours
  in two regions keeps both, where a per-part colour averaged them; a part's stroke colour
  counts by the share of the part the floods cover (``stroke_weight`` coverage; ``pixels`` was
  the design of the default model shipped before, whose tags gave way to strokes elsewhere);
- re-colored strokes (``stroke_colors`` recolor): in ``RECOLOR_SHARE`` of the samples the
  strokes take random palette colors and their regions of the truth are re-colored to match,
  so that a stroke decides its region's color, as the artist means (``true``: strokes only ever
  in the true colors, the design of the defaults shipped before);
- optionally a PatchGAN adversarial term (off by default: on two CPU cores every step counts, and
  the scoreboard measures colors, not texture).

Two steps as in Tag2Pix: the first ``SEGMENTATION_SHARE`` of the budget learns shapes
(reconstruction + segmentation only), the colorization step adds the part-color loss.
Adam at 2e-4: 5e-4 (``learning_rate`` switch) lowered the losses faster for 130 steps and then
diverged at step 280 (reconstruction L1 0.42 → 0.70). 5e-5 anneals a model whose losses have
levelled off at 2e-4 (the shipped default's last stage). Fractional and mixed tag values appear
in the data (``tag_mixing``) so sliders mean what docs/architecture.md §3 defines, on every tagged
part (``slider_parts`` all; ``hair-eyes-top`` was the earlier data), in 30 % of the samples
(``tag_mixing``; 0.6 doubles the slider samples, a third of which push a color beyond its
palette chroma, the slider value the scoreboard misses most).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor

from colorizer_app.nets.reference import PatchDiscriminator, PatchDiscriminatorConfig
from colorizer_app.nets.unified import UnifiedConfig, UnifiedGenerator
from training import losses
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.recipes.pretrained import load_frozen

SEGMENTATION_SHARE = 0.1  # Tag2Pix's step 1 share, shortened: our colors need the budget
P_TAGS, P_TAG_KEPT, P_HINTS, P_REFERENCE = 0.7, 0.8, 0.5, 0.4
RECOLOR_SHARE = 0.25  # of all samples; theirs always keep their strokes (the truth needs them)
BASE_LR = 2e-4
# A linear map from tag values to colours: Adam at 2e-4 moves it 0.03 in 150 steps. At BASE_LR;
# other learning rates scale it alike.
PALETTE_LR = 1e-2
LAMBDA_REC, LAMBDA_PART, LAMBDA_SEG, LAMBDA_NAMING, LAMBDA_ADV = 1.0, 2.0, 0.9, 0.5, 0.01


def part_color_loss(
    output: Tensor, target: Tensor, regions: Tensor, has_regions: Tensor, n_parts: int
) -> Tensor:
    """Mean |mean color of the output − of the truth| over every (sample, part) present.

    Each part counts once whatever its size, so a 30-pixel iris matters as much as the hair.
    """
    if not bool(has_regions.any()):
        return output.new_zeros(())
    onehot = F.one_hot(regions.clamp(0, n_parts - 1), n_parts).permute(0, 3, 1, 2).to(output.dtype)
    onehot = onehot * has_regions.view(-1, 1, 1, 1).to(output.dtype)  # (B, P, H, W)
    area = onehot.sum((2, 3))  # (B, P)
    present = area > 0
    mean_out = torch.einsum("bchw,bphw->bpc", output, onehot) / area.clamp(min=1)[..., None]
    mean_true = torch.einsum("bchw,bphw->bpc", target, onehot) / area.clamp(min=1)[..., None]
    error = (mean_out - mean_true).abs().mean(-1)  # (B, P)
    return error[present].mean()


def part_naming_loss(logits: Tensor, regions: Tensor, has_regions: Tensor) -> Tensor:
    """Cross-entropy of (B, P, h, w) part logits against the (B, H, W) part map, sampled at the
    logits' size, over the samples that have a part map."""
    step = regions.shape[-1] // logits.shape[-1]
    labels = regions[:, ::step, ::step][has_regions]
    return F.cross_entropy(logits[has_regions], labels.clamp(0, logits.shape[1] - 1))


class UnifiedRecipe(Recipe):
    name = "unified"
    description = "the app's model: strokes + tag sliders + reference, any subset (ours)"
    configs = ("small", "base", "tiny")
    ablations = {
        "adversarial": ("off", "on"),
        "part_loss": ("on", "off"),
        "region_weights": ("on", "off"),
        "part_naming": ("on", "off"),
        "part_prior": ("on", "off"),
        "region_hints": ("on", "off"),
        "stroke_weight": ("coverage", "pixels"),
        "palette": ("own-tags", "dense"),
        "stroke_colors": ("recolor", "true"),
        "slider_parts": ("all", "hair-eyes-top"),
        "tag_mixing": ("0.3", "0.6"),
        "full_resolution_stem": ("off", "on"),
        "learning_rate": ("2e-4", "5e-4", "5e-5"),
    }
    networks = ("generator", "discriminator")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        vocabulary = self.vocabulary = setup.vocabulary
        self.n_parts = len(vocabulary.parts)
        config = UnifiedConfig.named(setup.config, len(vocabulary.cvt), len(vocabulary.cit))
        if self.switch("full_resolution_stem") == "on":  # the design before stem_stride 2
            config = dataclasses.replace(config, stem_stride=1)
        if self.switch("part_naming") == "on":
            prior = self.switch("part_prior") == "on"
            regions = prior and self.switch("region_hints") == "on"
            own_tags = prior and self.switch("palette") == "own-tags"
            config = dataclasses.replace(
                config,
                part_classes=self.n_parts,
                part_prior=prior,
                region_hints=regions,
                stroke_coverage=regions and self.switch("stroke_weight") == "coverage",
                palette_parts=tuple(vocabulary.parts.index(t.part) for t in vocabulary.cvt)
                if own_tags
                else (),
            )
        self.generator = UnifiedGenerator(config).to(self.device)
        self.region_hints = config.region_hints  # the generator may be wrapped (DDP) later
        self.tagger_note = self._load_tagger(setup)
        width = {"tiny": 8, "small": 32, "base": 64}[setup.config]
        self.discriminator = PatchDiscriminator(
            PatchDiscriminatorConfig(in_channels=4, ndf=width, n_layers=3)
        ).to(self.device)
        betas, lr = (0.5, 0.999), float(self.switch("learning_rate"))
        palette = (
            [] if self.generator.palette is None else list(self.generator.palette.parameters())
        )
        rest = [
            p
            for p in self.generator.parameters()
            if p.requires_grad and all(p is not q for q in palette)
        ]
        palette_lr = PALETTE_LR * lr / BASE_LR
        groups = [{"params": rest}] + ([{"params": palette, "lr": palette_lr}] if palette else [])
        self.opt_g = torch.optim.Adam(groups, lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)
        self.generator_rng = torch.Generator().manual_seed(1234)

    def _load_tagger(self, setup: RecipeSetup) -> str:
        """The reference encoder is Yan et al.'s frozen tagger: pre-trained when given (the
        ``tagger`` recipe with ``arch=resnet34`` at the same config)."""
        return load_frozen(
            self.generator.reference_encoder.tagger,
            setup,
            "reference.tagger",
            "unified model's reference encoder",
        )

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"opt_g": self.opt_g, "opt_d": self.opt_d}

    def data_needs(self) -> DataNeeds:
        recolor = self.region_hints and self.switch("stroke_colors") == "recolor"
        parts = (
            tuple(p for p in self.vocabulary.parts if self.vocabulary.cvt_for_part(p))
            if self.switch("slider_parts") == "all"
            else None
        )
        return DataNeeds(
            hints="region-strokes" if self.region_hints else "strokes",
            reference=True,
            tag_mixing=float(self.switch("tag_mixing")),
            mixing_parts=parts,
            recolor=RECOLOR_SHARE if recolor else 0.0,
        )

    def _choose_inputs(self, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """A random subset of the inputs per sample, and a random subset of its tags."""
        n = batch["sketch"].shape[0]
        draw = lambda p: torch.rand(n, generator=self.generator_rng) < p  # noqa: E731
        device = self.device
        tags_on = draw(P_TAGS).to(device)
        keep = (torch.rand(batch["cvt"].shape, generator=self.generator_rng) < P_TAG_KEPT).to(
            device
        )
        hints_on = (draw(P_HINTS).to(device) & batch["has_hint"]) | batch["recolored"]
        reference_on = draw(P_REFERENCE).to(device) & batch["has_reference"]
        hints = batch["hint"] * hints_on.view(-1, 1, 1, 1).to(batch["hint"].dtype)
        return {
            "cvt": batch["cvt"] * keep,
            "cvt_present": tags_on,
            "hints": hints,
            "ref_present": reference_on,
        }

    def _generate(self, batch: Mapping[str, Tensor], inputs: Mapping[str, Tensor]):
        """(fake, aux); aux adds ``"parts"``, the part logits, when the part head is on."""
        reference = batch["reference"] if bool(inputs["ref_present"].any()) else None
        return self.generator(
            batch["sketch"],
            inputs["hints"],
            inputs["cvt"],
            inputs["cvt_present"],
            reference,
            inputs["ref_present"] if reference is not None else None,
            with_parts=self.switch("part_naming") == "on",
        )

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        colorization_step = progress >= SEGMENTATION_SHARE
        adversarial = self.switch("adversarial") == "on"
        inputs = self._choose_inputs(batch)
        fake, aux = self._generate(batch, inputs)
        real, sketch = batch["color"], batch["sketch"]
        logs: dict[str, float] = {}

        if adversarial:
            self.opt_d.zero_grad(set_to_none=True)
            d_loss = losses.bce_discriminator(
                self.discriminator(torch.cat([sketch, real], 1)),
                self.discriminator(torch.cat([sketch, fake.detach()], 1)),
            )
            d_loss.backward()
            self.opt_d.step()
            logs["d_loss"] = d_loss.item()

        self.opt_g.zero_grad(set_to_none=True)
        if self.switch("region_weights") == "on":
            rec = losses.region_weighted_l1(fake, real, batch["regions"], batch["has_regions"])
        else:
            rec = F.l1_loss(fake, real)
        g_loss = LAMBDA_REC * rec
        logs["rec"] = rec.item()
        if "skeleton" in aux and bool(batch["has_skeleton"].any()):
            has = batch["has_skeleton"]
            seg = losses.segmentation_l1(aux["skeleton"][has], batch["skeleton"][has])
            g_loss = g_loss + LAMBDA_SEG * seg
            logs["seg"] = seg.item()
        if "parts" in aux and bool(batch["has_regions"].any()):
            naming = part_naming_loss(aux["parts"], batch["regions"], batch["has_regions"])
            g_loss = g_loss + LAMBDA_NAMING * naming
            logs["naming"] = naming.item()
        if colorization_step and self.switch("part_loss") == "on":
            part = part_color_loss(fake, real, batch["regions"], batch["has_regions"], self.n_parts)
            g_loss = g_loss + LAMBDA_PART * part
            logs["part"] = part.item()
        if adversarial:
            adv = losses.bce_generator(self.discriminator(torch.cat([sketch, fake], 1)))
            g_loss = g_loss + LAMBDA_ADV * adv
            logs["g_adv"] = adv.item()
        g_loss.backward()
        self.opt_g.step()
        logs["g_loss"] = g_loss.item()
        return logs

    def exports(self) -> list[Export]:
        return [
            Export(
                "unified",
                "unified.generator",
                self.generator,
                accepts=("strokes", "tags", "reference"),
                extra={"tagger": self.tagger_note, "adversarial": self.switch("adversarial")},
            )
        ]

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        cvt = batch["cvt"]
        has_tags = cvt.abs().sum(1) > 0
        hints = batch["hint"] * batch["has_hint"].view(-1, 1, 1, 1).to(batch["hint"].dtype)
        reference = batch["reference"] if bool(batch["has_reference"].any()) else None
        image, _ = self.generator(
            batch["sketch"],
            hints,
            cvt,
            has_tags,
            reference,
            batch["has_reference"] if reference is not None else None,
        )
        return image
