"""Every network the project can build by name, so a model file can be rebuilt from its manifest.

A name is ``family.role``: the family file in ``colorizer_app/nets/`` and the network's key in
that file's ``configs()`` (network → preset → config). One list, written out by hand: a network
that is not listed here cannot be saved or loaded, which is the point (a model file chooses among
known classes; it never names code to run).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from torch import nn

from colorizer_app.nets import alacgan, csa, reference, segfusion, tag2pix, unified
from colorizer_app.nets.blocks import SEResNeXt, SEResNeXtConfig


@dataclass(frozen=True)
class Architecture:
    """A buildable network: ``module(config)`` with ``config`` an instance of ``config_type``."""

    name: str
    module: type[nn.Module]
    config_type: type

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def role(self) -> str:
        return self.name.split(".", 1)[1]

    def build(self, config: object) -> nn.Module:
        if not isinstance(config, self.config_type):
            raise TypeError(
                f"{self.name} takes a {self.config_type.__name__}, not a {type(config).__name__}"
            )
        return self.module(config)

    def named_configs(self) -> dict[str, object]:
        """This network's presets (``paper``, ``small``, ``tiny``, …) from its family's
        ``configs()``, sized for our tag vocabulary."""
        family = importlib.import_module(f"colorizer_app.nets.{self.family}")
        presets: dict[str, object] = family.configs()[self.role]
        return presets


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture("unified.generator", unified.UnifiedGenerator, unified.UnifiedConfig),
        Architecture("tag2pix.generator", tag2pix.Tag2PixGenerator, tag2pix.Tag2PixConfig),
        Architecture(
            "tag2pix.discriminator",
            tag2pix.Tag2PixDiscriminator,
            tag2pix.Tag2PixDiscriminatorConfig,
        ),
        Architecture("tag2pix.tagger", SEResNeXt, SEResNeXtConfig),
        Architecture(
            "segfusion.skeleton_unet", segfusion.SkeletonUNet, segfusion.SkeletonUNetConfig
        ),
        Architecture("segfusion.dual_branch", segfusion.DualBranchGenerator, tag2pix.Tag2PixConfig),
        Architecture("segfusion.direct_concat", tag2pix.Tag2PixGenerator, tag2pix.Tag2PixConfig),
        Architecture("alacgan.generator", alacgan.AlacGenerator, alacgan.AlacGeneratorConfig),
        Architecture("alacgan.critic", alacgan.AlacCritic, alacgan.AlacCriticConfig),
        Architecture("alacgan.tagger", alacgan.LocalFeatures, alacgan.LocalTaggerConfig),
        Architecture("csa.generator", csa.CSAGenerator, csa.CSAGeneratorConfig),
        Architecture("csa.discriminator", csa.MultiScalePatchGAN, csa.PatchGANConfig),
        Architecture("csa.hint_features", csa.HintFeatures, csa.HintFeatureConfig),
        Architecture("reference.generator", reference.YanGenerator, reference.YanGeneratorConfig),
        Architecture(
            "reference.discriminator",
            reference.PatchDiscriminator,
            reference.PatchDiscriminatorConfig,
        ),
        Architecture("reference.tagger", reference.ResNetTagger, reference.ResNetTaggerConfig),
        Architecture("reference.mapping", reference.TagMapping, reference.MappingConfig),
    )
}


def families() -> list[str]:
    """The family files the registry covers, in a stable order."""
    return sorted({a.family for a in ARCHITECTURES.values()})
