"""What every paper's recipe provides to the one training loop.

A recipe owns its networks, optimizers and loss steps (never inside an nn.Module); the loop owns
data, budget, logging, checkpoints and distribution. ``progress`` in [0, 1] is the share of the
budget spent (steps or minutes), so a recipe keeps its paper's ratios — when step 2 starts, when
the learning rate drops — whatever the budget.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from colorizer_app.vocabulary import Vocabulary


@dataclass(frozen=True)
class DataNeeds:
    """What the data pipeline must simulate for a recipe's batches."""

    hints: str = "none"  # a training.data.hints.HINT_OPTIONS name
    reference: bool = False  # a deformed re-pose of the same character
    styles: Mapping[str, float] | None = None  # line-art style probabilities; None = the default
    tag_mixing: float = 0.0  # share of samples with fractional / mixed tag values
    mixing_parts: tuple[str, ...] | None = None  # parts whose tags are mixed; None = the default
    recolor: float = 0.0  # share of samples with random-color strokes (region-strokes)


@dataclass(frozen=True)
class RecipeSetup:
    config: str  # "paper" | "small" | "tiny"
    vocabulary: Vocabulary
    size: int
    device: torch.device
    ablation: Mapping[str, str] = field(default_factory=dict)
    amp: bool = False  # mixed precision (GPUs)
    tagger: Path | None = None  # pre-trained tagger model file for the frozen extractors
    init: Path | None = None  # --init model file (also loaded by the loop; a recipe may read it)


@dataclass(frozen=True)
class Export:
    """One model file a finished run writes (see colorizer_app.nets.modelfile)."""

    name: str  # file name in the run folder (NAME.safetensors + NAME.json)
    architecture: str  # colorizer_app.nets.registry name, e.g. "tag2pix.generator"
    module: nn.Module
    accepts: tuple[str, ...]  # subset of ("strokes", "tags", "reference")
    extra: Mapping[str, Any] = field(default_factory=dict)  # recorded in the manifest's recipe


class Recipe(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    configs: ClassVar[tuple[str, ...]] = ("paper", "small", "tiny")
    ablations: ClassVar[
        Mapping[str, tuple[str, ...]]
    ] = {}  # switch -> allowed values (first = default)
    networks: ClassVar[tuple[str, ...]]  # attributes of every network with state (None: not built)
    colorizes: ClassVar[bool] = True  # False: a pre-training recipe (taggers), never scored

    def __init__(self, setup: RecipeSetup) -> None:
        unknown = set(setup.ablation) - set(self.ablations)
        if unknown:
            raise ValueError(
                f"recipe {self.name} has no ablation switch {sorted(unknown)}; "
                f"it has {sorted(self.ablations) or 'none'}"
            )
        for key, value in setup.ablation.items():
            if value not in self.ablations[key]:
                raise ValueError(f"ablation {key}={value}: choose one of {self.ablations[key]}")
        self.setup = setup
        self.device = setup.device

    def switch(self, key: str) -> str:
        """The value of ablation switch ``key`` (its first allowed value unless set)."""
        return self.setup.ablation.get(key, self.ablations[key][0])

    def modules(self) -> dict[str, nn.Module]:
        """Every network with state, trainable or frozen (checkpointed by name)."""
        return {
            name: getattr(self, name) for name in self.networks if getattr(self, name) is not None
        }

    @abstractmethod
    def optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    @abstractmethod
    def data_needs(self) -> DataNeeds: ...

    @abstractmethod
    def train_step(self, batch: Mapping[str, Tensor], progress: float) -> dict[str, float]:
        """One optimization step (discriminator and generator updates); returns scalar logs."""

    @abstractmethod
    def exports(self) -> list[Export]: ...

    @torch.no_grad()
    def colorize(self, batch: Mapping[str, Tensor]) -> Tensor:
        """Colored images (B, 3, H, W) in [-1, 1] for evaluation, using what the batch offers.
        Every recipe that ``colorizes`` overrides it."""
        raise NotImplementedError(f"recipe {self.name} trains no colorizer")

    @contextmanager
    def unwrapped(self) -> Iterator[None]:
        """The bare networks for a while — for one rank's evaluation or export, which must not
        run DistributedDataParallel's collective operations (the other ranks are not there)."""
        wrapped = self.modules()
        for name, module in wrapped.items():
            setattr(self, name, getattr(module, "module", module))
        try:
            yield
        finally:
            for name, module in wrapped.items():
                setattr(self, name, module)

    def wrap_for_distributed(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Replaces each network by ``wrap(network)`` (DistributedDataParallel for trainable ones),
        so the recipe's own calls go through the wrapper."""
        for name, module in self.modules().items():
            setattr(self, name, wrap(module))
