"""The one shared tagger as the frozen feature net of every paper model.

Each paper pre-trains a feature net of its own (Tag2Pix: an SE-ResNeXt CIT extractor; Ci et al.:
Illustration2Vec; Yuan & Simo-Serra: VGG19; Yan et al.: a ResNet-34 reference encoder). The
shipped models share one instead, the ResNet tagger (``reference.tagger``) that already is the
reference encoder of Yan et al.'s model and of the unified one: one pre-training, one file.

``TaggerFeatures`` reads it after one stage; the stem and stage 0 sit at 1/4 of the input, and
every later stage halves it: ``FEATURE_STAGE`` is at 1/8, where Tag2Pix reads its CIT features and
CSA its hint features; ``LOCAL_FEATURE_STAGE`` at 1/16, where AlacGAN's local features sit (the
paper reads them at 1/8 of a half-size sketch). ``features`` gives several stages at once (a
perceptual loss). A one-channel input (line art) is read as gray; a hint map by its colors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from torch import Tensor, nn

from colorizer_app.nets.blocks import FrozenExtractor
from colorizer_app.nets.reference import ResNetTagger, ResNetTaggerConfig

SHARED_TAGGER = "reference.tagger"  # the architecture of its model file
FEATURE_STAGE = 1  # 1/8 of the input
LOCAL_FEATURE_STAGE = 2  # 1/16


class TaggerFeatures(FrozenExtractor):
    """The shared ResNet tagger, frozen, read after ``stage`` (``out_channels`` at 1/stride)."""

    def __init__(self, config: ResNetTaggerConfig, stage: int = FEATURE_STAGE) -> None:
        super().__init__()
        if not 0 <= stage < len(config.widths):
            raise ValueError(f"the tagger has stages 0 to {len(config.widths) - 1}, not {stage}")
        self.config = config
        self.stage = stage
        self.tagger = ResNetTagger(config)
        self.out_channels = config.widths[stage]
        self.freeze()

    @classmethod
    def from_tagger(cls, tagger: ResNetTagger, stage: int = FEATURE_STAGE) -> TaggerFeatures:
        features = cls(tagger.config, stage)
        features.tagger.load_state_dict(tagger.state_dict())
        return features

    def features(self, image: Tensor, stages: Sequence[int]) -> list[Tensor]:
        """The outputs of ``stages`` (ascending), running no stage past the last one asked."""
        channels = image.shape[1]
        x = image.expand(-1, 3, -1, -1) if channels == 1 else image[:, :3]
        x = self.tagger.stem(x)
        wanted, out = set(stages), []
        run = cast(nn.Sequential, self.tagger.stages[: max(stages) + 1])  # a slice: a Sequential
        for i, stage in enumerate(run):
            x = stage(x)
            if i in wanted:
                out.append(x)
        return out

    def forward(self, image: Tensor) -> Tensor:
        """(B, 1 | 3 | 4, H, W) in [-1, 1] → (B, out_channels, H/stride, W/stride), ≥ 0."""
        (features,) = self.features(image, [self.stage])
        return features
