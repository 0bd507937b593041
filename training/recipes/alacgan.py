"""Ci et al. 2018 (AlacGAN): user-guided colorization with a local-features network, WGAN-GP.

As the paper trains it (§3.2, §4.1):

- critic: L_D = E[D(G)] − E[D(Y)] + ε_drift·E[D(Y)²] + λ·GP, λ = 10, ε_drift = 1e-3, conditioned
  on the local features F1(X) (never on the sketch itself);
- generator: L_G = L_cont + 1e-4·L_adv, L_cont the L2 distance of the 4th conv's activations
  (after ReLU) of a frozen feature net — our own pre-trained tagger stands in for ImageNet's VGG16;
- Adam 1e-4, β = (0.5, 0.9) for both, one critic step per generator step, learning rate ÷10 once
  half the budget is spent (125k of 250k iterations);
- hints: points sampled at H/4 with B = R > |ξ|, ξ ~ N(1, 0.005), which leaves about half of the
  samples hint-free ("ci-points"); sketches scaled to 1 − λ(1 − x), λ ~ U(0.7, 1) (§4.1).

F1 is the frozen tagger (``--tagger``: an ``alacgan.tagger`` model file) on the sketch at half
size; it also gives the content loss's features. Given the shared tagger instead (a
``reference.tagger`` file), F1 is its stage at 1/16 of the full-size sketch and L_cont reads its
first stage (1/4, after ReLU). Ablations: ``local_features=off`` builds G and D
without the F1 input (the paper's "w/o Local Features Network"), ``adversarial=off`` trains on
L_cont alone ("w/o Adversarial Loss").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from colorizer_app.nets import alacgan
from colorizer_app.nets.shared_tagger import LOCAL_FEATURE_STAGE
from training import losses
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.recipes.pretrained import load_frozen, load_shared, uses_shared_tagger

LR, LR_AFTER_DROP, LR_DROP_AT = 1e-4, 1e-5, 0.5
BETAS = (0.5, 0.9)
LAMBDA_ADV, LAMBDA_GP, DRIFT = 1e-4, 10.0, 1e-3
SKETCH_SCALE = (0.7, 1.0)
CONTENT_CONV = 4  # the paper's F2 layer: the 4th convolution, after its activation


def content_layer(tagger: alacgan.LocalFeatures) -> str:
    """The name of the tagger's ``CONTENT_CONV``-th ReLU output."""
    relus = [name for name in tagger.tagger.names if name.startswith("relu")]
    return relus[min(CONTENT_CONV, len(relus)) - 1]


def learning_rate(progress: float) -> float:
    return LR if progress < LR_DROP_AT else LR_AFTER_DROP


def quarter_hints(hint: Tensor, size: tuple[int, int]) -> Tensor:
    """The generator's H/4 hint map. A full-resolution map (the app's strokes, the scoreboard's)
    goes through the paper's stroke reduction: 4×4 max-pool, every other pixel dropped (§3.4)."""
    h, w = size[0] // 4, size[1] // 4
    if hint.shape[-2:] == (h, w):
        return hint
    return alacgan.strokes_to_points(hint)


class AlacGANRecipe(Recipe):
    name = "alacgan"
    description = "Ci et al. 2018: point hints, local features, WGAN-GP + perceptual loss"
    ablations = {"local_features": ("on", "off"), "adversarial": ("on", "off")}
    networks = ("generator", "critic", "local_features")

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        n_cvt, n_cit = len(setup.vocabulary.cvt), len(setup.vocabulary.cit)
        presets = alacgan.configs(n_cvt, n_cit)
        self.shared = uses_shared_tagger(setup)
        self.local_features: nn.Module
        self._content_features: Callable[[Tensor], list[Tensor]]
        if self.shared:
            shared, self.tagger_note = load_shared(
                setup, "local-features network", LOCAL_FEATURE_STAGE
            )
            self._content_features = lambda image: shared.features(image, [0])
            self.local_features = shared.to(self.device)
        else:
            # Sized to our tags at every config, as the tagger recipe trains it.
            tagger_config = dataclasses.replace(
                presets["tagger"][setup.config], n_tags=n_cvt + n_cit
            )
            local = alacgan.LocalFeatures(tagger_config)
            self.tagger_note = load_frozen(local, setup, "alacgan.tagger", "local-features network")
            layers = [content_layer(local)]
            self._content_features = lambda image: local.tagger.features(image, layers)
            self.local_features = local.to(self.device)
        channels = self.local_features.out_channels if self.switch("local_features") == "on" else 0
        g_config = dataclasses.replace(presets["generator"][setup.config], local_channels=channels)
        d_config = dataclasses.replace(presets["critic"][setup.config], local_channels=channels)
        self.generator = alacgan.AlacGenerator(g_config).to(self.device)
        self.critic = alacgan.AlacCritic(d_config).to(self.device)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.critic.parameters(), lr=LR, betas=BETAS)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"opt_g": self.opt_g, "opt_d": self.opt_d}

    def data_needs(self) -> DataNeeds:
        return DataNeeds(hints="ci-points")

    def _features(self, sketch: Tensor) -> Tensor:
        """F1(X) (B, C, H/16, W/16), or an empty (B, 0, …) map without the local-features input."""
        if self.switch("local_features") == "off":
            h, w = sketch.shape[-2] // 16, sketch.shape[-1] // 16
            return sketch.new_zeros(sketch.shape[0], 0, h, w)
        return self.local_features(sketch)

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        lr = learning_rate(progress)
        for optimizer in (self.opt_g, self.opt_d):
            for group in optimizer.param_groups:
                group["lr"] = lr
        sketch, real = batch["sketch"], batch["color"]
        scale = torch.empty(sketch.shape[0], 1, 1, 1, device=sketch.device).uniform_(*SKETCH_SCALE)
        sketch = 1 - scale * (1 - sketch)  # non-black line art (§4.1)
        hint = batch["hint"] * batch["has_hint"].view(-1, 1, 1, 1).to(batch["hint"].dtype)
        with torch.no_grad():
            features = self._features(sketch)
        fake = self.generator(sketch, hint, features)
        logs: dict[str, float] = {"lr": lr}
        adversarial = self.switch("adversarial") == "on"

        if adversarial:
            self.opt_d.zero_grad(set_to_none=True)
            critic_loss = losses.wgan_critic(
                self.critic(real, features), self.critic(fake.detach(), features), drift=DRIFT
            )
            penalty = losses.gradient_penalty(self.critic, real, fake, features, weight=LAMBDA_GP)
            (critic_loss + penalty).backward()
            self.opt_d.step()
            logs.update(d_wgan=critic_loss.item(), d_gp=penalty.item())

        self.opt_g.zero_grad(set_to_none=True)
        content = losses.perceptual_l2(self._content_features, fake, real)
        g_loss = content
        logs["content"] = content.item()
        if adversarial:
            adv = losses.wgan_generator(self.critic(fake, features))
            g_loss = g_loss + LAMBDA_ADV * adv
            logs["g_adv"] = adv.item()
        g_loss.backward()
        self.opt_g.step()
        logs["g_loss"] = g_loss.item()
        return logs

    def exports(self) -> list[Export]:
        local = "the tagger" if self.shared else "alacgan-local-features"
        extra = {
            "tagger": self.tagger_note,
            "local_features": local if self.switch("local_features") == "on" else "none",
        }
        generator = Export(
            "alacgan", "alacgan.generator", self.generator, accepts=("strokes",), extra=extra
        )
        if self.shared:  # its companion is the --tagger file itself
            return [generator]
        return [
            generator,
            Export(
                "alacgan-local-features",
                "alacgan.tagger",
                self.local_features,
                accepts=("strokes",),
                extra={"tagger": self.tagger_note},
            ),
        ]

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        sketch = batch["sketch"]
        hint = batch["hint"] * batch["has_hint"].view(-1, 1, 1, 1).to(batch["hint"].dtype)
        return self.generator(
            sketch, quarter_hints(hint, sketch.shape[-2:]), self._features(sketch)
        )
