"""Torch datasets over every sample source, and the one collate that batches them all.

Whatever the source — the synthetic generator on the fly, pre-rendered shards, a user's folder
— items are ``Sample``s and ``collate`` turns a list of them into one batch dict, so a recipe
never knows where its data came from. Simulated hints are drawn in the collate (a
``HINT_OPTIONS`` name), so the same data trains point, patch and stroke models.

Batch keys (B samples of H×W; tensors float32 unless noted):
  sketch (B,1,H,W) in [-1, 1] (1 = paper) · color (B,3,H,W) in [-1, 1] · cvt (B,n_cvt) ·
  cit (B,n_cit) · hint (B,4,h,w): RGB × mask and mask in [0, 1] (the app's hint map), h,w = H,W
  except "ci-points" (H/4, W/4) + has_hint (B,) bool · regions (B,H,W) int64 part ids +
  has_regions (B,) bool ·
  skeleton (B,1,H,W) in [-1, 1] (1 = boundary) + has_skeleton · reference (B,3,H,W) in [-1, 1] +
  has_reference · seed (B,) int64 (-1 for folder images) · recolored (B,) bool: ``color`` was
  re-colored to match the sample's random-color strokes (``Collate(recolor=...)``), so the
  strokes must reach the network · sketch_style, framing: lists of str.
Absent maps are zeros with their has_* flag False, so batches of any source have the same keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.regions import segment_regions
from colorizer_app.vocabulary import load_vocabulary
from training.data.folder import FolderDataset
from training.data.hints import HINT_OPTIONS, recolored_region_strokes, simulate_hint_map
from training.data.sample import Sample
from training.data.shards import ShardDataset

DEFAULT_SYNTHETIC_LENGTH = 1_000_000


MIXED_TAG_PARTS = ("hair", "eyes", "top")  # the default: the parts an artist moves most


def random_tag_values(
    vocabulary, rng: np.random.Generator, parts: tuple[str, ...] = MIXED_TAG_PARTS
) -> dict[str, float]:
    """Slider values for one of ``parts``, the way an artist moves them: a single tag below 1
    (mixed with the character's own color), above 1 (more chroma), or two tags of one group
    mixed (strawberry blonde)."""
    tags = vocabulary.cvt_for_part(str(rng.choice(parts)))
    groups = sorted({t.group for t in tags})
    if len(groups) > 1:  # "bottom": skirt or pants colors, never a mix of both
        group = groups[int(rng.integers(len(groups)))]
        tags = tuple(t for t in tags if t.group == group)
    first, second = rng.choice(len(tags), size=2, replace=False)
    kind = rng.integers(3)
    if kind == 0:
        return {tags[first].name: float(rng.uniform(0.3, 0.9))}
    if kind == 1:
        return {tags[first].name: float(rng.uniform(1.2, 2.5))}
    share = float(rng.uniform(0.3, 0.7))
    return {tags[first].name: share, tags[second].name: 1.0 - share}


class SyntheticDataset(Dataset):
    """Samples of seeds [seed, seed + length) rendered on access; training seeds only.

    ``tag_mixing`` is the share of samples re-colored with fractional or mixed tag values, so
    that models learn what a slider means (docs/architecture.md §3); which samples and values is
    fixed by the seed; ``mixing_parts`` are the parts whose sliders move (None:
    ``MIXED_TAG_PARTS``). ``styles`` overrides the line-art style mix (e.g. Yuan & Simo-Serra's
    0.1/0.5/0.4).
    """

    def __init__(
        self,
        seed: int = 0,
        length: int = DEFAULT_SYNTHETIC_LENGTH,
        *,
        config: str = "train",
        size: int = 256,
        with_reference: bool = False,
        styles: Mapping[str, float] | None = None,
        tag_mixing: float = 0.0,
        mixing_parts: tuple[str, ...] | None = None,
    ) -> None:
        from training.data.synthetic import TRAIN_SEED_LIMIT, SyntheticConfig

        if not (seed >= 0 and seed + length <= TRAIN_SEED_LIMIT):
            raise ColorizerError(
                f"training seeds lie in [0, {TRAIN_SEED_LIMIT}); "
                f"[{seed}, {seed + length}) leaves that range"
            )
        self.seed, self.length, self.with_reference = seed, length, with_reference
        self.tag_mixing, self.mixing_parts = tag_mixing, mixing_parts or MIXED_TAG_PARTS
        self.config = SyntheticConfig.sized(config, size)
        if styles is not None:
            self.config = dataclasses.replace(self.config, styles=tuple(styles.items()))

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Sample:
        from training.data.synthetic import generate

        if not 0 <= index < self.length:
            raise IndexError(index)
        seed = self.seed + index
        tag_values = None
        if self.tag_mixing > 0:
            rng = np.random.default_rng((seed, 0x7A6))
            if rng.random() < self.tag_mixing:
                tag_values = random_tag_values(load_vocabulary(), rng, self.mixing_parts)
        return generate(
            seed, self.config, tag_values=tag_values, with_reference=self.with_reference
        )


class _TorchView(Dataset):
    """Gives the torch-free datasets (shards, folder) the torch Dataset type."""

    def __init__(self, inner: ShardDataset | FolderDataset) -> None:
        self.inner = inner

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int) -> Sample:
        return self.inner[index]


def make_dataset(
    spec: str,
    *,
    size: int = 256,
    seed: int = 0,
    length: int = DEFAULT_SYNTHETIC_LENGTH,
    config: str = "train",
    with_reference: bool = False,
    styles: Mapping[str, float] | None = None,
    tag_mixing: float = 0.0,
    mixing_parts: tuple[str, ...] | None = None,
) -> Dataset:
    """The training CLI's ``--data``: ``synthetic``, ``shards:DIR`` or a folder of illustrations.
    ``styles``, ``tag_mixing`` and ``mixing_parts`` apply to on-the-fly synthetic data only."""
    if spec == "synthetic":
        return SyntheticDataset(
            seed,
            length,
            config=config,
            size=size,
            with_reference=with_reference,
            styles=styles,
            tag_mixing=tag_mixing,
            mixing_parts=mixing_parts,
        )
    if spec.startswith("shards:"):
        shards = ShardDataset(spec.removeprefix("shards:"))
        if shards.size != size:
            raise ColorizerError(
                f"{shards.folder}: shards are {shards.size}² but training "
                f"asks for {size}²; render shards at that size"
            )
        return _TorchView(shards)
    if Path(spec).is_dir():
        return _TorchView(FolderDataset(spec, size, random_crop=True))
    raise ColorizerError(
        f"--data {spec!r}: expected 'synthetic', 'shards:DIR' or a folder of illustrations"
    )


def image_tensor(array: np.ndarray) -> torch.Tensor:
    """(H,W) or (H,W,C) uint8 → (C,H,W) float in [-1, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(array)).float() / 127.5 - 1
    return tensor[None] if tensor.ndim == 2 else tensor.permute(2, 0, 1)


def part_palettes(vocabulary) -> dict[int, list[str]]:
    """Part id → the colors of its tags, and -1 → every tag color (``recolored_region_strokes``)."""
    palettes = {-1: [c for tag in vocabulary.cvt for c in tag.colors]}
    for index, part in enumerate(vocabulary.parts):
        palettes[index] = [c for tag in vocabulary.cvt_for_part(part) for c in tag.colors]
    return palettes


class Collate:
    """Batches Samples and simulates their hints; picklable, so DataLoader workers can use it.

    ``seed`` None draws fresh randomness; an int makes hints reproducible per worker.
    ``recolor`` is the share of samples (with a part map) whose region strokes take random
    palette colors, their regions re-colored to match (``recolored_region_strokes``).
    """

    def __init__(self, hints: str = "none", seed: int | None = None, recolor: float = 0.0) -> None:
        if hints not in HINT_OPTIONS:
            raise ColorizerError(
                f"unknown hint simulation {hints!r}; choose one of {', '.join(HINT_OPTIONS)}"
            )
        if recolor > 0 and hints != "region-strokes":
            raise ColorizerError(f"re-colored strokes are region strokes, not {hints!r}")
        self.hints, self.seed, self.recolor = hints, seed, recolor
        self.palettes = part_palettes(load_vocabulary()) if recolor > 0 else {}
        self._rng: np.random.Generator | None = None

    def _generator(self) -> np.random.Generator:
        if self._rng is None:
            info = torch.utils.data.get_worker_info()
            worker = 0 if info is None else info.id
            self._rng = np.random.default_rng(None if self.seed is None else (self.seed, worker))
        return self._rng

    def __call__(self, samples: list[Sample]) -> dict[str, object]:
        shapes = {s.color.shape for s in samples}
        if len(shapes) != 1:
            raise ValueError(f"samples of different sizes in one batch: {sorted(shapes)}")
        h, w = samples[0].color.shape[:2]
        rng = self._generator()
        hint_maps, colors, recolored = [], [], []
        for s in samples:
            labels = s.regions
            recolor = labels is not None and self.recolor > 0 and rng.random() < self.recolor
            if recolor:
                hint, color = recolored_region_strokes(
                    s.color, labels, 255 - s.sketch, self.palettes, rng
                )
            else:
                if labels is None and self.hints in ("strokes", "region-strokes"):
                    labels = segment_regions(255 - s.sketch)
                hint = simulate_hint_map(self.hints, s.color, labels, rng, 255 - s.sketch)
                color = s.color
            hint_maps.append(hint)
            colors.append(color)
            recolored.append(recolor and bool(hint[..., 3].any()))
        zeros_hw = np.zeros((h, w), np.uint8)
        return {
            "sketch": torch.stack([image_tensor(s.sketch) for s in samples]),
            "color": torch.stack([image_tensor(color) for color in colors]),
            "cvt": torch.from_numpy(np.stack([s.cvt for s in samples]).astype(np.float32)),
            "cit": torch.from_numpy(np.stack([s.cit for s in samples]).astype(np.float32)),
            "hint": torch.from_numpy(np.stack(hint_maps)).permute(0, 3, 1, 2).contiguous(),
            "has_hint": torch.tensor([bool(m[..., 3].any()) for m in hint_maps]),
            "recolored": torch.tensor(recolored),
            "regions": torch.stack(
                [
                    torch.from_numpy(zeros_hw if s.regions is None else s.regions).long()
                    for s in samples
                ]
            ),
            "has_regions": torch.tensor([s.regions is not None for s in samples]),
            "skeleton": torch.stack(
                [image_tensor(zeros_hw if s.skeleton is None else s.skeleton) for s in samples]
            ),
            "has_skeleton": torch.tensor([s.skeleton is not None for s in samples]),
            "reference": torch.stack(
                [
                    image_tensor(
                        np.zeros((h, w, 3), np.uint8) if s.reference is None else s.reference
                    )
                    for s in samples
                ]
            ),
            "has_reference": torch.tensor([s.reference is not None for s in samples]),
            "seed": torch.tensor(
                [-1 if s.seed is None else s.seed for s in samples], dtype=torch.int64
            ),
            "sketch_style": [s.sketch_style for s in samples],
            "framing": [s.framing for s in samples],
        }
