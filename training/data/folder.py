"""A user's folder of illustrations with booru-style tag sidecars, as training samples.

Layout: ``DIR/name.png`` (any image the loader reads) with ``DIR/name.txt`` (comma-separated tags,
spaces or underscores) or ``DIR/name.json`` (a list of tags, or ``{"tags": [...]}``). Tags are
mapped onto the vocabulary; tags it does not know (``1girl``, ``solo``, artists…) are ignored and
counted, so the user can see how much of their tagging the models can use. Line art is taken
from a parallel folder (same relative path and stem, any image type) when given, else extracted
from the illustration by XDoG with one of the papers' parameter sets, as Ci et al. and Tag2Pix do.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.lineart import normalize_lineart, sketch_from_ink
from colorizer_app.imaging.loader import IMAGE_SUFFIXES, load_image
from colorizer_app.imaging.xdog import xdog_ci, xdog_tag2pix
from colorizer_app.vocabulary import CIT, CVT, Vocabulary, load_vocabulary
from training.data.sample import Sample

log = logging.getLogger(__name__)


def normalize_tag(name: str) -> str:
    """Booru spelling: lower case, underscores for spaces ("Blue Eyes " → "blue_eyes")."""
    return "_".join(name.strip().lower().split())


def read_sidecar(image: Path) -> list[str] | None:
    """The tags beside ``image`` (``.txt`` preferred over ``.json``); None when it has none."""
    text_file, json_file = image.with_suffix(".txt"), image.with_suffix(".json")
    try:
        if text_file.is_file():
            raw = text_file.read_text(encoding="utf-8").split(",")
        elif json_file.is_file():
            document = json.loads(json_file.read_text(encoding="utf-8"))
            raw = document.get("tags") if isinstance(document, dict) else document
            if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
                raise ColorizerError(f'{json_file}: expected a list of tags or {{"tags": [...]}}')
        else:
            return None
    except (OSError, UnicodeDecodeError) as error:
        raise ColorizerError(f"{image}: cannot read its tag file: {error}") from None
    except json.JSONDecodeError as error:
        raise ColorizerError(
            f"{json_file}: not valid JSON: {error.msg} (line {error.lineno})"
        ) from None
    return [tag for tag in (normalize_tag(t) for t in raw) if tag]


def fit_square(image: np.ndarray, size: int, offset: tuple[float, float]) -> np.ndarray:
    """Scale the shorter side to ``size`` and crop a square; offset in [0, 1] places the crop."""
    h, w = image.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, (nw, nh), interpolation=interpolation)
    top, left = round((nh - size) * offset[0]), round((nw - size) * offset[1])
    return resized[top : top + size, left : left + size]


class FolderDataset:
    """Samples (``regions`` and ``skeleton`` absent) from a folder of tagged illustrations.

    ``seed`` makes the random parts (XDoG parameters, crop position when ``random_crop``) a
    function of the item index; None draws fresh randomness on every access.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        size: int = 256,
        *,
        lineart_dir: str | os.PathLike | None = None,
        random_crop: bool = False,
        seed: int | None = None,
        vocab: Vocabulary | None = None,
    ) -> None:
        self.root = Path(root)
        self.size = size
        self.lineart_dir = Path(lineart_dir) if lineart_dir is not None else None
        self.random_crop = random_crop
        self.seed = seed
        self.vocab = vocab or load_vocabulary()
        if not self.root.is_dir():
            raise ColorizerError(f"{self.root}: not a folder")
        self.images = [
            p
            for p in sorted(self.root.rglob("*"))
            if p.suffix.lower() in IMAGE_SUFFIXES
            and p.is_file()
            and not (self.lineart_dir and p.is_relative_to(self.lineart_dir))
        ]
        if not self.images:
            raise ColorizerError(f"{self.root}: no images found ({', '.join(IMAGE_SUFFIXES)})")
        self.unknown_tags: Counter[str] = Counter()
        self.untagged = 0
        self._tags = [self._known_tags(image) for image in self.images]
        if self.untagged:
            log.warning(
                "%s: %d of %d images have no tag file", self.root, self.untagged, len(self.images)
            )
        if self.unknown_tags:
            log.warning(
                "%s: ignored %d uses of %d tags unknown to the vocabulary (most common: %s)",
                self.root,
                sum(self.unknown_tags.values()),
                len(self.unknown_tags),
                ", ".join(t for t, _ in self.unknown_tags.most_common(5)),
            )

    def _known_tags(self, image: Path) -> list[str]:
        tags = read_sidecar(image)
        if tags is None:
            self.untagged += 1
            return []
        known = []
        for tag in tags:
            try:
                self.vocab.tag(tag)
                known.append(tag)
            except ColorizerError:
                self.unknown_tags[tag] += 1
        return known

    def __len__(self) -> int:
        return len(self.images)

    def _lineart_file(self, image: Path) -> Path | None:
        if self.lineart_dir is None:
            return None
        stem = self.lineart_dir / image.relative_to(self.root).with_suffix("")
        for suffix in IMAGE_SUFFIXES:
            for candidate in (stem.with_suffix(suffix), stem.with_suffix(suffix.upper())):
                if candidate.is_file():
                    return candidate
        return None

    def __getitem__(self, index: int) -> Sample:
        image = self.images[index]
        rng = np.random.default_rng(None if self.seed is None else (self.seed, index))
        rgba = load_image(image).pixels
        alpha = rgba[..., 3:].astype(np.float32) / 255
        color = np.round(rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
        lineart_file = self._lineart_file(image)
        if lineart_file is not None:
            ink = normalize_lineart(load_image(lineart_file).pixels).ink
            sketch = sketch_from_ink(
                cv2.resize(ink, (color.shape[1], color.shape[0]), interpolation=cv2.INTER_AREA)
            )
            style = "folder"
        else:
            extract = xdog_ci if rng.random() < 0.5 else xdog_tag2pix
            sketch, style = extract(color, rng), "extracted"
        offset = (rng.random(), rng.random()) if self.random_crop else (0.5, 0.5)
        tags = self._tags[index]
        cvt = self.vocab.encode_cvt({t: 1.0 for t in tags if self.vocab.tag(t).kind == CVT})
        cit = np.zeros(len(self.vocab.cit), np.float32)
        for tag in tags:
            if self.vocab.tag(tag).kind == CIT:
                cit[self.vocab.cit_index(tag)] = 1.0
        return Sample(
            color=fit_square(color, self.size, offset),
            sketch=fit_square(sketch, self.size, offset),
            cvt=cvt,
            cit=cit,
            sketch_style=style,
            source=str(image),
        )
