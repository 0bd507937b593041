"""Pre-training of the networks the papers take "pre-trained", on our data and the tagging task.

The papers start from weights that cannot be downloaded here (docs/architecture.md §2), so each
feature net learns multi-label tagging (BCE per tag) on the synthetic characters, from the input its
consumer will feed it:

| ``arch``     | network (model file)                        | input                  | tags      |
| ------------ | ------------------------------------------- | ---------------------- | --------- |
| se_resnext   | Tag2Pix's SE-ResNeXt (``tag2pix.tagger``)   | line art               | CIT       |
| resnet34     | Yan's reference encoder (``reference.tagger``) | color image         | all       |
| alac         | Ci's local features (``alacgan.tagger``)    | line art at half size  | all       |
| vgg          | VGG19 feature net (``csa.hint_features``)   | color image            | all       |

- se_resnext: Tag2Pix trains its CIT extractor on line art and CITs (§3.3), and reads it on line
  art; colors cannot be read from line art, so CVTs would only teach it priors.
- resnet34: Yan et al.'s encoder reads the reference, a color illustration; ``paper`` is
  ResNet-34, the CPU presets are ResNet-18-shaped (``reference.configs``). It is also the shared
  tagger: given as ``--tagger`` to any paper recipe, it stands in for that paper's own feature
  net (``nets.shared_tagger``), which is how the shipped models use one tagger between them.
- alac: Ci et al.'s F1 reads the sketch at half size as RGB (``LocalFeatures``), so it learns
  from exactly that; all tags, since XDoG line art keeps some tone (dark hair) to read colors by.
- vgg: the feature net of the perceptual losses (Ci, Yuan), of CSA's hint features and of the
  scoreboard's Fréchet distance, all of which look at color images.

Adam 1e-3, ÷10 for the last quarter of the budget (our choice: the papers give no tagger
schedule). Every ``MAP_EVERY`` steps the tagging mAP on a fixed held-out batch of evaluation
seeds is refreshed and logged as ``map``; the final mAP goes into the model file's manifest.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from colorizer_app.nets import alacgan, csa, reference
from colorizer_app.nets.blocks import SEResNeXt, SEResNeXtConfig
from training import losses
from training.data.dataset import Collate
from training.recipes.base import DataNeeds, Export, Recipe, RecipeSetup
from training.tagging_metrics import mean_average_precision

log = logging.getLogger(__name__)

LR, LR_DROP_AT, LR_DROP = 1e-3, 0.75, 0.1
MAP_EVERY, MAP_SAMPLES = 50, 32
MAP_SEED_OFFSET = 2_000_000  # held-out evaluation seeds, apart from the scoreboard's


@dataclass(frozen=True)
class TaggerKind:
    architecture: str  # registry name of the exported model file
    input: str  # "sketch" (line art) or "color"
    tags: str  # "cit" or "all" (CVT then CIT, the order of n_cvt + n_cit heads)


KINDS = {
    "se_resnext": TaggerKind("tag2pix.tagger", "sketch", "cit"),
    "resnet34": TaggerKind("reference.tagger", "color", "all"),
    "alac": TaggerKind("alacgan.tagger", "sketch", "all"),
    "vgg": TaggerKind("csa.hint_features", "color", "all"),
}


def _half_size_rgb(sketch: Tensor) -> Tensor:
    """The sketch as ``LocalFeatures`` hands it to its tagger: half size, three channels."""
    return nn.functional.avg_pool2d(sketch, 2).expand(-1, 3, -1, -1)  # (B, 3, H/2, W/2)


def build_tagger(arch: str, config: str, n_cvt: int, n_cit: int) -> tuple[nn.Module, nn.Module]:
    """(network to train, module to export) for ``arch`` at ``config``, sized for our tags.

    For the frozen extractors (``LocalFeatures``, ``HintFeatures``) the trained VGG is the very
    submodule the exported extractor holds, so both always share their weights.
    """
    n_all = n_cvt + n_cit
    if arch == "se_resnext":
        net = SEResNeXt(SEResNeXtConfig.named(config, n_cit))
        return net, net
    if arch == "resnet34":
        net = reference.ResNetTagger(
            dataclasses.replace(reference.configs(n_cvt, n_cit)["tagger"][config], n_tags=n_all)
        )
        return net, net
    if arch == "alac":
        local = alacgan.LocalFeatures(
            dataclasses.replace(alacgan.configs(n_cvt, n_cit)["tagger"][config], n_tags=n_all)
        )
        return local.tagger.requires_grad_(True), local
    if arch == "vgg":
        hint_config = csa.configs(n_cvt, n_cit)["hint_features"][config]
        hint_config = dataclasses.replace(
            hint_config, vgg=dataclasses.replace(hint_config.vgg, n_tags=n_all)
        )
        features = csa.HintFeatures(hint_config)
        return features.net.requires_grad_(True), features
    raise ValueError(f"unknown tagger arch {arch!r}; choose one of {sorted(KINDS)}")


class TaggerRecipe(Recipe):
    name = "tagger"
    description = "pre-trains the papers' frozen feature nets as taggers (reports mAP)"
    ablations = {"arch": tuple(KINDS)}
    networks = ("tagger",)
    colorizes = False

    def __init__(self, setup: RecipeSetup) -> None:
        super().__init__(setup)
        self.kind = KINDS[self.switch("arch")]
        vocabulary = setup.vocabulary
        self.n_cvt = len(vocabulary.cvt)
        tagger, exported = build_tagger(
            self.switch("arch"), setup.config, self.n_cvt, len(vocabulary.cit)
        )
        self.tagger = tagger.to(self.device)
        self.exported = exported.to(self.device)
        self.optimizer = torch.optim.Adam(self.tagger.parameters(), lr=LR)
        self.half_size = self.switch("arch") == "alac"
        self._calls = 0
        self._map = float("nan")
        self._held_out: dict[str, Tensor] | None = None

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"optimizer": self.optimizer}

    def data_needs(self) -> DataNeeds:
        return DataNeeds(hints="none")

    def _inputs(self, batch: Mapping[str, Tensor]) -> Tensor:
        image = batch[self.kind.input]
        return _half_size_rgb(image) if self.half_size else image

    def _targets(self, batch: Mapping[str, Tensor]) -> Tensor:
        if self.kind.tags == "cit":
            return batch["cit"]
        return torch.cat([batch["cvt"], batch["cit"]], dim=1)  # (B, n_cvt + n_cit)

    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        if self._calls % MAP_EVERY == 0:
            self._map = self.held_out_map()
        self._calls += 1
        for group in self.optimizer.param_groups:
            group["lr"] = LR * (LR_DROP if progress >= LR_DROP_AT else 1.0)
        self.optimizer.zero_grad(set_to_none=True)
        loss = losses.multilabel_classification(
            self.tagger(self._inputs(batch)), self._targets(batch)
        )
        loss.backward()
        self.optimizer.step()
        return {"bce": loss.item(), "map": self._map}

    def _held_out_batch(self) -> dict[str, Tensor]:
        """A fixed batch of evaluation seeds (never trained on), rendered once."""
        if self._held_out is None:
            from training.data.synthetic import (
                MAX_SIZE,
                MIN_SIZE,
                SyntheticConfig,
                eval_seed,
                generate,
            )

            size = min(max(self.setup.size, MIN_SIZE), MAX_SIZE)
            config = dataclasses.replace(SyntheticConfig.named("train"), size=size)
            samples = [generate(eval_seed(MAP_SEED_OFFSET + i), config) for i in range(MAP_SAMPLES)]
            batch = Collate("none")(samples)
            self._held_out = {
                k: batch[k].to(self.device) for k in ("sketch", "color", "cvt", "cit")
            }
        return self._held_out

    @torch.no_grad()
    def held_out_map(self) -> float:
        """Tagging mAP on the held-out batch (inference mode, training mode restored)."""
        batch = self._held_out_batch()
        was_training = self.tagger.training
        self.tagger.eval()
        try:
            scores = self.tagger(self._inputs(batch))
        finally:
            self.tagger.train(was_training)
        return mean_average_precision(
            scores.float().cpu().numpy(), self._targets(batch).cpu().numpy()
        )

    def exports(self) -> list[Export]:
        final_map = self.held_out_map()
        log.info(
            "tagger %s: held-out mAP %.4f over %s tags",
            self.switch("arch"),
            final_map,
            self.kind.tags,
        )
        return [
            Export(
                "tagger",
                self.kind.architecture,
                self.exported,
                accepts=(),
                extra={
                    "arch": self.switch("arch"),
                    "input": self.kind.input,
                    "tags": self.kind.tags,
                    "map": round(final_map, 4),
                    "map_samples": MAP_SAMPLES,
                },
            )
        ]
