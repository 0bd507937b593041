"""Yan et al. 2023: reference-based colorization, then tag-adjustable by a second training.

``stage=first`` (§3.1, §4.1): the GAN learns G(x, φ(r)) with φ the frozen pre-trained reference
encoder (our ResNet tagger, ``--tagger`` a ``reference.tagger`` model file) and r the same
character re-posed and deformed (the synthetic data's reference). L = L_cGAN + 100·L1 + 1e-4·TV,
D a PatchGAN on sketch + color (eq. 2's log loss), TV only at 384² and above; Adam 1e-4,
β = (0.5, 0.99). Switches ``receiving=attention|add`` and ``rbca=on|off`` pick the generator.

``stage=second`` (§3.5, eqs. 8–13): ``--init`` the first training's generator, which stays frozen
(no optimizer holds it, no parameter takes a gradient); the reference encoder is the one that
first training used (its ``yan-reference-encoder`` file beside the generator), so the latent space
is the same. The self-adaptive MLP φ (and ω for M-Attention) learns δ_b = φ(r_a) + F(r_a)·(φ(cls_t)
− φ(cls_a)) with L = L_hybrid (+ L_inv for M-Attention), same optimizer settings:

- r_a is the batch's reference and cls_a its tags; r_t is the very same reference (same
  character, pose and warp) re-rendered by the synthetic generator with random slider values —
  one part's tag below 1, above 1, or two tags mixed (``dataset.random_tag_values``) — and cls_t
  its tags. We render r_t inside the recipe rather than in a data need: it needs the sample's seed
  only, and keeps the data pipeline the same for every recipe. Samples without a seed (folder
  images) take the next sample's reference and tags as r_t, cls_t, as in the paper, where r_t and
  r_a are any two illustrations.
- cls is the ground-truth tag vector [CVT values, CIT flags] (vocabulary order). At inference the
  anchor's cls_a is the tagger's probabilities on the reference (same order: the tagger is sized to
  our vocabulary), and cls_t is cls_a with the parts the user's tags name replaced by those values.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from colorizer_app.errors import ColorizerError
from colorizer_app.nets import reference
from colorizer_app.nets.modelfile import load_model, paths
from training import losses
from training.data.dataset import image_tensor, random_tag_values
from training.data.synthetic import SyntheticConfig, generate
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.recipes.pretrained import load_frozen

log = logging.getLogger(__name__)

LR, BETAS = 1e-4, (0.5, 0.99)
LAMBDA_L1, LAMBDA_TV, TV_MIN_SIZE = 100.0, 1e-4, 384
GENERATOR, ENCODER, MAPPING = "yan", "yan-reference-encoder", "yan-mapping"


def _bare(module: nn.Module) -> nn.Module:
    return getattr(module, "module", module)  # inside DistributedDataParallel


class YanRecipe(Recipe):
    name = "yan"
    description = "Yan et al. 2023: reference images, then tag sliders (two separate trainings)"
    ablations = {
        "stage": ("first", "second"),
        "receiving": ("attention", "add"),
        "rbca": ("on", "off"),
        "mapping": ("m_attention", "m_add"),
    }
    networks = ("generator", "reference_encoder", "discriminator", "mapping")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        vocabulary = setup.vocabulary
        self.n_tags = len(vocabulary.cvt) + len(vocabulary.cit)
        self.first = self.switch("stage") == "first"
        presets = reference.configs(len(vocabulary.cvt), len(vocabulary.cit))
        tagger_config = dataclasses.replace(presets["tagger"][setup.config], n_tags=self.n_tags)
        self.reference_encoder = reference.ReferenceEncoder(tagger_config).to(self.device)
        self.discriminator: nn.Module | None = None  # first training only
        self.mapping: nn.Module | None = None  # second training only
        if self.first:
            self.tagger_note = load_frozen(
                self.reference_encoder.tagger, setup, "reference.tagger", "reference encoder"
            )
            g_config = dataclasses.replace(
                presets["generator"][setup.config],
                receiving=self.switch("receiving"),
                rbca=self.switch("rbca") == "on",
            )
            self.generator = reference.YanGenerator(g_config).to(self.device)
            self.discriminator = reference.PatchDiscriminator(
                presets["discriminator"][setup.config]
            ).to(self.device)
            self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=LR, betas=BETAS)
            self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=LR, betas=BETAS)
        else:
            self._load_first_training(setup)
            m_config = dataclasses.replace(
                presets["mapping"][setup.config],
                n_tags=self.n_tags,
                position_weight=self.switch("mapping") == "m_attention",
            )
            self.mapping = reference.TagMapping(m_config).to(self.device)
            self.opt_m = torch.optim.Adam(self.mapping.parameters(), lr=LR, betas=BETAS)
            self.part_of_cvt = reference.cvt_parts(vocabulary)
            self.synthetic = SyntheticConfig.named("train")

    def _load_first_training(self, setup: RecipeSetup) -> None:
        """The frozen generator of ``--init`` and the reference encoder it was trained with."""
        if setup.init is None:
            raise ColorizerError(
                "the second training needs --init: the first training's "
                f"generator model file ({GENERATOR}.safetensors)"
            )
        loaded = load_model(setup.init, vocabulary=setup.vocabulary)
        if loaded.manifest.architecture != "reference.generator":
            raise ColorizerError(
                f"{setup.init}: a {loaded.manifest.architecture} model; the second "
                "training needs the first training's reference.generator"
            )
        for key, value in (
            ("receiving", loaded.manifest.config.receiving),
            ("rbca", "on" if loaded.manifest.config.rbca else "off"),
        ):
            if key in setup.ablation and setup.ablation[key] != value:
                raise ColorizerError(
                    f"{setup.init} was trained with {key}={value}, not {setup.ablation[key]}"
                )
        self.generator = loaded.module.to(self.device).requires_grad_(False)
        encoder_path = paths(setup.init)[0].with_name(
            loaded.manifest.recipe.get("reference_encoder", ENCODER)
        )
        encoder = load_model(encoder_path, vocabulary=setup.vocabulary)
        if encoder.manifest.config != self.reference_encoder.tagger.config:
            raise ColorizerError(
                f"{encoder_path}: not the reference encoder of config {setup.config!r}"
            )
        self.reference_encoder.tagger.load_state_dict(encoder.module.state_dict())
        self.tagger_note = str(loaded.manifest.recipe.get("tagger", "unknown"))
        self.generator_note = {
            "generator": GENERATOR,
            "generator_source": str(setup.init),
            "generator_sha256": loaded.manifest.sha256,
        }
        if setup.tagger is not None:
            log.warning(
                "--tagger is ignored in the second training: the reference encoder is "
                "the first training's, %s",
                encoder_path,
            )

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        if self.first:
            return {"opt_g": self.opt_g, "opt_d": self.opt_d}
        return {"opt_m": self.opt_m}

    def data_needs(self) -> DataNeeds:
        return DataNeeds(reference=True)

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        return self._first_step(batch) if self.first else self._second_step(batch)

    # ------------------------------------------------------------------ first training

    def _first_step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        sketch, real = batch["sketch"], batch["color"]
        with torch.no_grad():
            latent = self.reference_encoder(batch["reference"])  # φ(r), (B, C, H/32, W/32)
        fake = self.generator(sketch, latent)

        self.opt_d.zero_grad(set_to_none=True)
        d_loss = losses.bce_discriminator(
            self.discriminator(torch.cat([sketch, real], 1)),
            self.discriminator(torch.cat([sketch, fake.detach()], 1)),
        )
        d_loss.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        adv = losses.bce_generator(self.discriminator(torch.cat([sketch, fake], 1)))
        l1 = F.l1_loss(fake, real)
        g_loss = adv + LAMBDA_L1 * l1
        logs = {"d_loss": d_loss.item(), "g_adv": adv.item(), "l1": l1.item()}
        if min(real.shape[-2:]) >= TV_MIN_SIZE:
            tv = losses.total_variation(fake)
            g_loss = g_loss + LAMBDA_TV * tv
            logs["tv"] = tv.item()
        g_loss.backward()
        self.opt_g.step()
        logs["g_loss"] = g_loss.item()
        return logs

    # ------------------------------------------------------------------ second training

    def _targets(self, batch: Mapping[str, Tensor]) -> tuple[Tensor, Tensor]:
        """r_t and cls_t for each sample: its reference re-rendered with random slider values."""
        size = batch["reference"].shape[-1]
        config = dataclasses.replace(self.synthetic, size=size)
        rng = np.random.default_rng(int(torch.randint(2**31, ())))
        vocabulary = self.setup.vocabulary
        n = batch["reference"].shape[0]
        references, tags = [], []
        for i, seed in enumerate(batch["seed"].tolist()):
            if seed < 0:
                j = (i + 1) % n
                references.append(batch["reference"][j].cpu())
                tags.append(torch.cat([batch["cvt"][j], batch["cit"][j]]).cpu())
                continue
            sample = generate(
                seed, config, tag_values=random_tag_values(vocabulary, rng), with_reference=True
            )
            references.append(image_tensor(sample.reference))
            tags.append(torch.from_numpy(np.concatenate([sample.cvt, sample.cit])).float())
        return (torch.stack(references).to(self.device), torch.stack(tags).to(self.device))

    def _second_step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        generator = self.generator
        target, cls_t = self._targets(batch)
        cls_a = torch.cat([batch["cvt"], batch["cit"]], 1)
        with torch.no_grad():
            latent_a = self.reference_encoder(batch["reference"])  # φ(r_a)
            latent_t = self.reference_encoder(target)  # φ(r_t)
            features = generator.encode(batch["sketch"])
            psi_t = generator.receive(features, latent_t)  # ψ(x, φ(r_t))
            image_t = generator.decode(features, psi_t, latent_t)  # G(x, φ(r_t))

        self.opt_m.zero_grad(set_to_none=True)
        delta = self.mapping(latent_a, cls_t, cls_a)  # δ_b, eq. 10
        psi_b = generator.receive(features, delta)
        image_b = generator.decode(features, psi_b, delta)
        hybrid = losses.hybrid_l1(image_t, image_b, psi_t, psi_b)  # eq. 12
        loss = hybrid
        logs = {"hybrid": hybrid.item()}
        if self.switch("mapping") == "m_attention":
            mlp = _bare(self.mapping).mlp
            inversion = losses.inversion_loss(
                latent_t.mean(dim=(2, 3)), latent_a.mean(dim=(2, 3)), mlp(cls_t), mlp(cls_a)
            )  # eq. 13
            loss = loss + inversion
            logs["inversion"] = inversion.item()
        loss.backward()
        self.opt_m.step()
        logs["loss"] = loss.item()
        return logs

    # ------------------------------------------------------------------ outputs

    def exports(self) -> list[Export]:
        encoder = Export(
            ENCODER,
            "reference.tagger",
            self.reference_encoder.tagger,
            accepts=("reference",),
            extra={"tagger": self.tagger_note},
        )
        generator_extra = {
            "tagger": self.tagger_note,
            "reference_encoder": ENCODER,
            "stage": self.switch("stage"),
        }
        generator = Export(
            GENERATOR,
            "reference.generator",
            _bare(self.generator),
            accepts=("reference",),
            extra=generator_extra,
        )
        if self.first:
            return [generator, encoder]
        mapping = Export(
            MAPPING,
            "reference.mapping",
            self.mapping,
            accepts=("reference", "tags"),
            extra={
                **self.generator_note,
                "tagger": self.tagger_note,
                "reference_encoder": ENCODER,
                "mapping": self.switch("mapping"),
                "tags": "CVT values then CIT flags, vocabulary order; anchor "
                "tags = the reference encoder's tag probabilities",
            },
        )
        # The frozen generator and encoder are written again beside the mapping, so that this
        # run folder holds the whole model the app needs (their weights are the --init ones).
        return [mapping, generator, encoder]

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        """G(x, φ(r)); after the second training, requested tags move φ(r) to δ_b first."""
        encoder = self.reference_encoder
        reference_image = batch["reference"]  # zeros where the request gives none
        if self.first or not bool((batch["cvt"] > 0).any()):
            return self.generator(batch["sketch"], encoder(reference_image))
        latent, probabilities = encoder.latent_and_tags(reference_image)
        cls_t = reference.slider_tags(probabilities, batch["cvt"], self.part_of_cvt)
        delta = self.mapping(latent, cls_t, probabilities)
        return self.generator(batch["sketch"], delta)
