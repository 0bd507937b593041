"""The colorize pipeline: one request in, the layers out, at the drawing's own size.

Stages (``check`` runs between them, so a superseded request stops early):

1. **prepare** — the drawing's ink map (``normalize_lineart``) and its regions (the flat-fill
   segmentation at full resolution), cached by a content hash of the drawing;
2. **model** — ``flat``, a named model, or ``auto``: the registry's best model for the hint kinds
   given (strokes, tags, reference); when no neural model can be used, flat fill, with a note;
3. **encode** — the ink map scaled to the working resolution (the model's own, or
   ``request.size``) with its aspect ratio kept, padded with paper to the network's size
   multiple, through ``encode_sketch`` — cached by (drawing, model, size), so a slider or a new
   stroke never re-encodes the line art; reference features likewise by (reference, model);
4. **decode** — hint map, tag vector (by the model's own tag names) and reference features into
   the generator, under ``inference_mode`` and, on GPUs, autocast;
5. **upsample** — the working-size colors to the original size along the full-resolution regions
   (``upsample.RegionUpsampler``, planned once per drawing and working size, since only the
   colors change on a tag or stroke update; optionally region consistency, which also holds
   each stroked region to its stroke's color), then flats (each
   region's hint color, else its median), the hints layer, and the composite under the line art
   in multiply.

The engine is not thread-safe: one worker thread drives it (``scheduler.LatestWinsScheduler``
guarantees one job at a time). Drawings above ``max_pixels`` are refused with a message rather
than tiled: a 40-megapixel drawing already needs about 2 GB for its layers, and colors computed
at a 256–512 px working size gain nothing from tiles.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import cv2
import numpy as np
import torch
from torch import Tensor

from colorizer_app.engine.cache import LRUCache
from colorizer_app.engine.devices import autocast_dtype, default_threads, pick_device
from colorizer_app.engine.flatfill import FlatFill
from colorizer_app.engine.partmap import PartCells, apply_marks, full_size, part_cells
from colorizer_app.engine.registry import ModelEntry, ModelRegistry, Refusal
from colorizer_app.engine.request import AUTO, FLAT, ColorizeRequest, ColorizeResult, PartMap
from colorizer_app.engine.upsample import (
    HeldColor,
    RegionConsistency,
    RegionUpsampler,
    row_bands,
)
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import hex_to_rgb, srgb_to_lab
from colorizer_app.imaging.finished_picture import extract_lines, looks_finished
from colorizer_app.imaging.hints import hints_from_png, rasterize_hints
from colorizer_app.imaging.layers import Layer, composite, lineart_layer
from colorizer_app.imaging.lineart import LineArt, normalize_lineart
from colorizer_app.imaging.loader import MAX_PIXELS, too_large
from colorizer_app.imaging.palette import Palette, by_area, colorless, palette_of
from colorizer_app.nets.interface import ColorNet
from colorizer_app.nets.modelfile import LoadedModel, ModelFileError
from colorizer_app.vocabulary import BACKGROUND, load_vocabulary, target_color

log = logging.getLogger(__name__)

# Real line art holds more detail per pixel than the synthetic drawings the models train on at
# their own resolution (256 for the shipped ones): an iris is a few pixels there. So a drawing
# is colored at least this side, unless it is smaller (real dev set, unified-small, app
# defaults, at 256 / 384 / 512: faces that stay skin 0.71 / 0.96 / 0.79, eye tag on irises
# 0.19 / 0.31 / 0.31; a tag update of a 0.7 MP drawing 0.12 / 0.24 / 0.40 s on 2 CPU cores).
REAL_DRAWING_SIDE = 384
# How far a color tag at full strength holds its part (where the part map finds it and no stroke
# decides it) to the color the tags ask for; tags adding up to S < 1 hold it TAG_HOLD · S² of the
# way, since the network already blends a weaker tag with its own color (synthetic scoreboard
# through the engine, 100 samples at 256², slider cases within ΔE 15 of the §3 target: no hold
# 0.90, TAG_HOLD · S 0.75, TAG_HOLD · S² 0.90; on real drawings the network's tag colors miss
# much of the part, worst on irises).
TAG_HOLD = 0.85
# How far a reference at full strength holds each part of the drawing to the color of the same
# part of the reference (its part map found on its extracted lines).
REFERENCE_HOLD = 0.85
# A reference below this long side is too small for its parts to be found.
MIN_REFERENCE_SIDE = 64
REFERENCE_NO_COLORS_NOTE = (
    "the reference has no colors (grayscale or line art?): it lent none to the drawing's parts"
)
REFERENCE_BY_AREA_NOTE = (
    "no character was found in the reference (a landscape, a photo, a swatch, or too small?): "
    "its main colors went to the drawing's parts by area, the most common to the largest part"
)
# A character palette holds its parts all the way: the point is the same color on every page.
PALETTE_HOLD = 1.0
# How far the areas of a stroked part that no stroke reaches are held to the strokes' color, as
# a tag holds its part (real dev set, 16 strokes rebuilding an illustration: ΔE76 10.1 -> 9.8;
# synthetic through the engine: hints 0.872 -> 0.911, a tag among strokes 0.920 -> 0.890).
STROKE_HOLD = TAG_HOLD


@dataclass(frozen=True)
class ModelInfo:
    """What the app and ``colorizer-cli models`` show about a model."""

    name: str
    accepts: frozenset[str]
    resolution: int | None  # None: works at the drawing's own size (flat fill)
    source: str  # "shipped" | "user" | "built-in"
    architecture: str
    default: bool = False
    scoreboard: Mapping[str, Any] = field(default_factory=dict)


FINISHED_PICTURE_NOTE = (
    "the drawing looks like a finished color picture, not line art: give it as the reference "
    "of a line art instead, or extract its lines first"
)
FLAT_INFO = ModelInfo(FLAT, frozenset({"strokes"}), None, "built-in", "flat fill (no network)")


@dataclass(frozen=True)
class _Prepared:
    key: bytes  # content hash of the drawing
    lineart: LineArt
    regions: np.ndarray  # (H, W) int32 labels 1..N
    lines: Layer  # the line art layer (multiply), reused by every result
    finished_picture: bool  # it looks like a colored illustration, not line art


@dataclass(frozen=True)
class _Geometry:
    """The drawing scaled to ``scaled`` (h, w), aspect kept, at the top left of a paper canvas of
    ``padded`` (h, w), a multiple of the network's size multiple."""

    scaled: tuple[int, int]
    padded: tuple[int, int]


class Engine:
    """Colorizes requests with the registry's models or flat fill, reusing unchanged stages."""

    def __init__(
        self,
        registry: ModelRegistry | None = None,
        *,
        device: str = "auto",
        threads: int | None = None,
        max_pixels: int = MAX_PIXELS,
        cache_size: int = 4,
    ) -> None:
        self.registry = registry if registry is not None else ModelRegistry()
        self.device = pick_device(device)
        self.threads = threads if threads is not None else default_threads()
        self.max_pixels = max_pixels
        self.calls: Counter[str] = Counter()  # stage → times computed (cache misses)
        self._flat = FlatFill(cache_size=cache_size)
        self._drawings: LRUCache[_Prepared] = LRUCache(cache_size)
        self._encodings: LRUCache[Any] = LRUCache(cache_size)
        self._part_cells: LRUCache[PartCells | None] = LRUCache(cache_size)
        self._references: LRUCache[Any] = LRUCache(cache_size)
        self._hint_inputs: LRUCache[Tensor] = LRUCache(cache_size)
        self._hint_layers: LRUCache[np.ndarray] = LRUCache(cache_size)
        self._upsamplers: LRUCache[RegionUpsampler] = LRUCache(cache_size)
        self._modules: dict[str, ColorNet] = {}

    # ------------------------------------------------------------------ public API

    def models(self) -> list[ModelInfo]:
        """The usable models (the default first, then by name) and flat fill last."""
        entries = sorted(self.registry.entries, key=lambda e: (not e.default, e.name))
        return [
            ModelInfo(
                e.name, e.accepts, e.resolution, e.source, e.architecture, e.default, e.scoreboard
            )
            for e in entries
        ] + [FLAT_INFO]

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        return self.registry.refusals

    def colorize(
        self, request: ColorizeRequest, check: Callable[[], None] | None = None
    ) -> ColorizeResult:
        """The layers for ``request``; ``check`` may raise ``scheduler.Cancelled`` between
        stages. Bad input raises ColorizerError with a one-line message."""
        start = time.perf_counter()
        check = check or (lambda: None)
        self._check_pixels(request)
        notes: list[str] = []
        prepared = self._prepare(request.drawing)
        if prepared.finished_picture:
            notes.append(FINISHED_PICTURE_NOTE)
        check()
        chosen = self._choose(request, notes)
        part_map: PartMap | None = None
        reference_colors: Palette | None = None
        if chosen is None:
            layers = self._flat_layers(request, prepared, notes)
            name = FLAT
        else:
            name = chosen[0].name
            try:
                neural = self._neural_layers(request, prepared, *chosen, notes, check)
                layers, part_map, reference_colors = neural
            except (MemoryError, RuntimeError) as error:  # torch's OutOfMemoryError included
                if not isinstance(error, MemoryError) and "out of memory" not in str(error).lower():
                    raise
                raise self._out_of_memory(request, chosen[0]) from error
        seconds = time.perf_counter() - start
        log.debug("colorized %s with %s in %.3f s", request.drawing.shape[:2], name, seconds)
        for given, what in (
            (request.hints.parts, "the part marks"),
            (request.palette, "the palette"),
        ):
            if given and part_map is None:
                notes.append(f"model '{name}' finds no parts; {what} ignored")
        if request.palette is not None and part_map is not None and not request.region_consistency:
            notes.append("the palette colors through region consistency, which is off; ignored")
        return ColorizeResult(
            layers=layers,
            model=name,
            seconds=seconds,
            notes=tuple(notes),
            parts=part_map,
            reference_colors=reference_colors,
        )

    def warm(self) -> None:
        """Loads the model Auto colors with when nothing is given and runs it once on a small
        blank drawing, so the first real request pays neither (the app's worker calls this
        while the window opens). Does nothing without a usable neural model."""
        entry = self.registry.choose(())
        if entry is None:
            return
        try:
            module = self._module(entry.name, self.registry.load(entry.name))
        except ModelFileError:
            return  # refused: the first request says so
        self._use_threads()
        geometry = _geometry((64, 64), 64, module.size_multiple)
        blank = torch.ones((1, 1) + geometry.padded, device=self.device)  # paper
        with torch.inference_mode(), self._autocast(), contextlib.suppress(ColorizerError):
            module.decode(module.encode_sketch(blank))  # a model that needs a reference refuses
        self.calls["warm"] += 1

    def _use_threads(self) -> None:
        """On the CPU, torch runs the engine's thread count (the rest is left to the UI)."""
        if self.device.type == "cpu" and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def _out_of_memory(self, request: ColorizeRequest, entry: ModelEntry) -> ColorizerError:
        """The one line for a model that ran out of memory; the cached GPU blocks are freed so
        that the next, smaller request can run."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        height, width = request.drawing.shape[:2]
        side = request.size or working_side(entry.resolution, (height, width))
        return ColorizerError(
            f"not enough memory to color the {width}×{height} drawing with model '{entry.name}' "
            f"at {side} px on {self.device.type}: try a smaller "
            "working resolution, or flat fill"
        )

    # ------------------------------------------------------------------ stages

    def _check_pixels(self, request: ColorizeRequest) -> None:
        """The engine's own limit; the request has checked its values when it was made."""
        height, width = request.drawing.shape[:2]
        if height * width > self.max_pixels:
            raise ColorizerError(too_large(width, height, self.max_pixels))

    def _prepare(self, drawing: np.ndarray) -> _Prepared:
        key = _digest(drawing)

        def make() -> _Prepared:
            self.calls["normalize"] += 1
            lineart = normalize_lineart(drawing)
            self.calls["segment"] += 1
            return _Prepared(
                key,
                lineart,
                self._flat.regions(lineart.ink),
                lineart_layer(lineart.ink),
                looks_finished(drawing),
            )

        return self._drawings.get_or_make(key, make)

    def _choose(
        self, request: ColorizeRequest, notes: list[str]
    ) -> tuple[ModelEntry, LoadedModel] | None:
        """The model to run (with its loaded weights), or None for flat fill."""
        if request.model == FLAT:
            return None
        if request.model != AUTO:
            entry = self.registry.entry(request.model)
            return entry, self.registry.load(entry.name)
        given = _given_kinds(request)
        while (candidate := self.registry.choose(given)) is not None:
            try:
                return candidate, self.registry.load(candidate.name)
            except ModelFileError as error:
                notes.append(f"model '{candidate.name}' was refused: {error}")
        refused = len(self.registry.refusals)
        notes.append(
            "no neural model is available"
            + (f" ({refused} refused)" if refused else "")
            + "; fell back to flat fill"
        )
        return None

    def _neural_layers(
        self,
        request: ColorizeRequest,
        prepared: _Prepared,
        entry: ModelEntry,
        loaded: LoadedModel,
        notes: list[str],
        check: Callable[[], None],
    ) -> tuple[dict[str, np.ndarray], PartMap | None, Palette | None]:
        """The layers, the part map and the colors the reference lent its parts."""
        module = self._module(entry.name, loaded)
        ink = prepared.lineart.ink
        size = request.size or working_side(entry.resolution, ink.shape)
        geometry = _geometry(ink.shape, size, module.size_multiple)
        accepts = entry.accepts
        # Region consistency gives a stroked area its stroke's colour, whatever the model takes.
        paints_strokes = request.region_consistency and not request.hints.is_empty
        for kind, given in (
            ("strokes", not request.hints.is_empty or request.hint_image is not None),
            ("tags", bool(request.tags)),
            ("reference", request.reference is not None),
        ):
            if given and kind not in accepts:
                notes.append(
                    f"model '{entry.name}' takes no {kind}; "
                    + (
                        "region consistency alone paints their areas"
                        if kind == "strokes" and paints_strokes
                        else "they were ignored"
                    )
                )
        self._use_threads()
        with torch.inference_mode(), self._autocast():
            module.eval()
            encoding = self._encodings.get_or_make(
                (prepared.key, entry.name, geometry, str(self.device)),
                lambda: self._encode(module, ink, geometry),
            )
            check()
            hints = (
                self._hint_input(request, prepared, geometry, region_hints=module.region_hints)
                if "strokes" in accepts and _has_hints(request)
                else None
            )
            cvt = self._tag_vector(request, entry, notes) if "tags" in accepts else None
            reference = (
                self._reference_features(module, request.reference, entry.name, size)
                if "reference" in accepts and request.reference is not None
                else None
            )
            check()
            self.calls["decode"] += 1
            # (1, 3, H', W') in [-1, 1]
            rgb, _ = module.decode(encoding, hints=hints, cvt=cvt, ref_features=reference)
            small = _to_uint8(rgb)[: geometry.scaled[0], : geometry.scaled[1]]
            # The network's parts depend on the line art alone: a slider drag reuses them.
            cells = self._part_cells.get_or_make(
                (prepared.key, entry.name, geometry, str(self.device)),
                lambda: part_cells(module, encoding, geometry.scaled, geometry.padded),
            )
            reference_colors = None
            if cells is not None and request.reference is not None:
                reference_colors, note = self._reference_palette(
                    module, entry.name, request.reference, cells
                )
                if note is not None:
                    notes.append(note)
        check()
        upsampler = self._upsampler(prepared, geometry)
        if cells is not None:
            cells = apply_marks(cells, request.hints.parts, prepared.regions, upsampler.cell_labels)
        consistency = (
            self._consistency(
                request, ink, geometry, cells, paints_strokes, _without(reference_colors, request)
            )
            if request.region_consistency
            else None
        )
        color = upsampler(small, consistency)
        check()
        flats = self._flat.flats(ink, request.hints, neural=color)
        color_layer = cv2.cvtColor(color, cv2.COLOR_RGB2RGBA)  # opaque
        del color  # 108 MB at 36 MP, no longer needed while the other layers are made
        layers = self._layers(
            request, prepared, color_layer, flats, _under_lines(color_layer, prepared)
        )
        part_map = (
            None
            if cells is None
            else full_size(
                cells,
                prepared.regions,
                upsampler.cell_labels,
                _unsplit_parts(),
                _face_parts() if consistency is None else consistency.ready_parts,
                _small_parts(),
            )
        )
        return layers, part_map, reference_colors if request.region_consistency else None

    def _consistency(
        self,
        request: ColorizeRequest,
        ink: np.ndarray,
        geometry: _Geometry,
        cells: PartCells | None,
        paints_strokes: bool,
        reference_colors: Palette | None = None,
    ) -> RegionConsistency:
        """What region consistency holds this result to: the stroked regions' colors, the
        parts (the network's, as the artist corrected them), the colors the palette and the
        tags give parts, and a clean background (white unless a background tag asks)."""
        decided = self._flat.decided(ink, request.hints) if paints_strokes else None
        if cells is None:
            return RegionConsistency(decided)
        stroked = (
            rasterize_hints(request.hints, ink.shape, geometry.scaled)[..., 3] > 0
            if decided is not None
            else None
        )
        vocabulary = load_vocabulary()
        background = _unsplit_parts()
        background_tags = {tag.name for tag in vocabulary.cvt_for_part(BACKGROUND)}
        tagged = any(value > 0 and name in background_tags for name, value in request.tags.items())
        held = {
            **held_by_palette(
                reference_colors, REFERENCE_HOLD * request.reference_strength, yielding=True
            ),
            **held_by_palette(request.palette),
            **held_by_tags(request.tags),
        }
        return RegionConsistency(
            decided,
            cells.parts,
            stroked,
            background,
            background if tagged else frozenset(),
            held,
            cells.marked,
            _face_parts() | frozenset(held),
            _small_parts(),
            STROKE_HOLD,
        )

    def _flat_layers(
        self, request: ColorizeRequest, prepared: _Prepared, notes: list[str]
    ) -> dict[str, np.ndarray]:
        ignored = [
            what
            for what, given in (
                ("tags", bool(request.tags)),
                ("the reference", request.reference is not None),
                ("the hint image", request.hint_image is not None),
            )
            if given
        ]
        if ignored:
            notes.append(f"flat fill follows strokes and fills only; {', '.join(ignored)} ignored")
        if request.hints.is_empty:
            notes.append(
                "flat fill colors only what strokes and fills give a color, and there are none: "
                "the line art is returned uncolored"
            )
        flats = self._flat.flats(prepared.lineart.ink, request.hints)
        return self._layers(request, prepared, flats, flats, _under_lines(flats, prepared))

    def _layers(
        self,
        request: ColorizeRequest,
        prepared: _Prepared,
        color: np.ndarray,
        flats: np.ndarray,
        merged: np.ndarray,
    ) -> dict[str, np.ndarray]:
        return {
            "composite": merged,
            "color": color,
            "flats": flats,
            "lineart": prepared.lines.pixels,
            "hints": self._hint_layer(request, prepared),
        }

    # ------------------------------------------------------------------ model inputs

    def _module(self, name: str, loaded: LoadedModel) -> ColorNet:
        """The model's network on the engine's device: ``registry.load`` gives every model as a
        ``ColorNet`` (``adapters.wrap``)."""
        if name not in self._modules:
            self._modules[name] = cast(ColorNet, loaded.module.to(self.device).eval())
        return self._modules[name]

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        dtype = autocast_dtype(self.device)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def _encode(
        self, module: ColorNet, ink: np.ndarray, geometry: _Geometry, what: str = "encode_sketch"
    ) -> Any:
        """The network's encoding of an ink map (``what`` names it in ``calls``)."""
        self.calls[what] += 1
        scaled = _resize(ink, geometry.scaled)
        canvas = np.zeros(geometry.padded, dtype=np.uint8)  # ink 0 = paper
        canvas[: scaled.shape[0], : scaled.shape[1]] = scaled
        sketch = torch.from_numpy(255 - canvas).to(self.device, torch.float32)
        return module.encode_sketch(sketch.div(127.5).sub(1.0)[None, None])  # (1, 1, H', W')

    def _upsampler(self, prepared: _Prepared, geometry: _Geometry) -> RegionUpsampler:
        """The upsampling planned for this drawing at this working size: everything in it but
        the colors depends on the line art alone, so a tag or stroke update only applies it."""

        def make() -> RegionUpsampler:
            self.calls["upsample_plan"] += 1
            return RegionUpsampler(prepared.lineart.ink, prepared.regions, geometry.scaled)

        return self._upsamplers.get_or_make((prepared.key, geometry.scaled), make)

    def _hint_input(
        self, request: ColorizeRequest, prepared: _Prepared, geometry: _Geometry, region_hints: bool
    ) -> Tensor:
        """(1, 4, H', W') hint map at the working size: strokes and fills over the hint image;
        for a network that declares ``region_hints``, flooded over the full-resolution regions
        the strokes color."""
        key = (
            prepared.key,
            request.hints,
            _optional_digest(request.hint_image),
            geometry,
            str(self.device),
            region_hints,
        )

        def make() -> Tensor:
            self.calls["hints"] += 1
            ink = prepared.lineart.ink
            if region_hints:
                hint_map = self._flat.hint_map(ink, request.hints, geometry.scaled)
            else:
                hint_map = rasterize_hints(
                    request.hints, ink.shape, geometry.scaled, regions=prepared.regions
                )
            if request.hint_image is not None:
                under = _resize(hints_from_png(request.hint_image), geometry.scaled)
                hint_map = hint_map + (1.0 - hint_map[..., 3:]) * under
            canvas = np.zeros(geometry.padded + (4,), dtype=np.float32)
            canvas[: geometry.scaled[0], : geometry.scaled[1]] = hint_map
            return torch.from_numpy(canvas).permute(2, 0, 1)[None].to(self.device)

        return self._hint_inputs.get_or_make(key, make)

    def _hint_layer(self, request: ColorizeRequest, prepared: _Prepared) -> np.ndarray:
        """(H, W, 4) uint8: the hints as an RGBA layer at the drawing's size."""
        key = (prepared.key, request.hints, _optional_digest(request.hint_image))

        def make() -> np.ndarray:
            ink = prepared.lineart.ink
            if request.hints.is_empty and request.hint_image is None:
                return np.zeros(ink.shape + (4,), np.uint8)  # a huge drawing needs no float map
            layer = np.empty(ink.shape + (4,), np.uint8)
            for rows in row_bands(ink.shape):
                band = rasterize_hints(
                    request.hints, ink.shape, regions=prepared.regions, rows=rows
                )
                if request.hint_image is not None:
                    band = band + (1.0 - band[..., 3:]) * hints_from_png(request.hint_image[rows])
                alpha = band[..., 3:]
                rgb = np.divide(
                    band[..., :3], alpha, out=np.zeros_like(band[..., :3]), where=alpha > 0
                )
                both = np.concatenate([rgb, alpha], axis=-1) * 255
                layer[rows] = np.rint(both).clip(0, 255).astype(np.uint8)
            return layer

        return self._hint_layers.get_or_make(key, make)

    def _tag_vector(
        self, request: ColorizeRequest, entry: ModelEntry, notes: list[str]
    ) -> Tensor | None:
        """(1, n_cvt) tag values in the model's own tag order; None (absent) without tags."""
        if not request.tags:
            return None
        names = entry.manifest.cvt
        vector = torch.zeros(1, len(names), dtype=torch.float32)
        for name, value in request.tags.items():
            if name in names:
                vector[0, names.index(name)] = float(value)
            else:
                notes.append(f"tag '{name}' is unknown to model '{entry.name}'; ignored")
        return vector.to(self.device)

    def _reference_palette(
        self, module: ColorNet, model: str, reference: np.ndarray, cells: PartCells
    ) -> tuple[Palette | None, str | None]:
        """The reference's color for each part, and a note when it could not be had part by
        part: the part head run on its extracted lines gives each part's median color; a
        reference where it finds neither hair nor skin (a landscape, a photo, a swatch), or too
        small to find any, gives its main colors to the drawing's parts by area; one with no
        colors (grayscale, line art) gives none."""
        key = ("palette", _digest(reference), model, str(self.device))
        rgb, no_colors = self._references.get_or_make(
            ("rgb", key), lambda: _reference_rgb(reference)
        )
        if no_colors:
            return None, REFERENCE_NO_COLORS_NOTE

        def make() -> Palette | None:
            if max(rgb.shape[:2]) < MIN_REFERENCE_SIDE:
                return None
            ink = normalize_lineart(extract_lines(rgb)).ink
            geometry = _geometry(ink.shape, max(ink.shape), module.size_multiple)
            encoding = self._encode(module, ink, geometry, "encode_reference_lines")
            found = part_cells(module, encoding, geometry.scaled, geometry.padded)
            if found is None:
                return None
            parts = cv2.resize(
                found.parts.astype(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST
            )
            palette = palette_of("reference", rgb, parts, load_vocabulary().parts)
            return palette if {"hair", "skin"} & palette.colors.keys() else None

        palette = self._references.get_or_make(key, make)
        if palette is not None:
            return palette, None
        return by_area(rgb, cells.parts), REFERENCE_BY_AREA_NOTE

    def _reference_features(
        self, module: ColorNet, reference: np.ndarray, model: str, size: int
    ) -> Any:
        key = (_digest(reference), model, size, str(self.device))

        def make() -> Any:
            self.calls["encode_reference"] += 1
            rgb = _on_white(reference)
            square = _resize(rgb, (size, size)).astype(np.float32)
            tensor = torch.from_numpy(square).permute(2, 0, 1)[None].to(self.device)
            return module.encode_reference(tensor.div(127.5).sub(1.0))  # (1, 3, size, size)

        return self._references.get_or_make(key, make)


# ---------------------------------------------------------------------- helpers


def _unsplit_parts() -> frozenset[int]:
    """The parts region consistency keeps flat and never splits off a region: the background."""
    return frozenset({load_vocabulary().parts.index(BACKGROUND)})


def _face_parts() -> frozenset[int]:
    """The parts region consistency splits off a region most readily: skin and eyes."""
    parts = load_vocabulary().parts
    return frozenset({parts.index("skin"), parts.index("eyes")})


def _small_parts() -> frozenset[int]:
    """The parts region consistency splits off a region however small their share: the
    irises."""
    return frozenset({load_vocabulary().parts.index("eyes")})


def _without(colors: Palette | None, request: ColorizeRequest) -> Palette | None:
    """The reference's part colors less the parts the artist unticked."""
    if colors is None or not request.reference_ignored:
        return colors
    kept = {p: c for p, c in colors.colors.items() if p not in request.reference_ignored}
    return replace(colors, colors=kept)


def _reference_rgb(reference: np.ndarray) -> tuple[np.ndarray, bool]:
    """(h, w, 3) uint8: the reference at most REAL_DRAWING_SIDE on its long side (scaled before
    anything else: a 50-megapixel picture is never converted whole), on white; and whether it
    has no colors to lend."""
    scale = min(1.0, REAL_DRAWING_SIDE / max(reference.shape[:2]))
    if scale < 1.0:
        height, width = reference.shape[:2]
        reference = _resize(
            reference, (max(1, round(height * scale)), max(1, round(width * scale)))
        )
    rgb = _on_white(reference)
    return rgb, colorless(rgb)


def held_by_palette(
    palette: Palette | None, share: float = PALETTE_HOLD, yielding: bool = False
) -> dict[int, HeldColor]:
    """The parts a palette holds to its colors, ``share`` of the way: a character palette
    wholly (``PALETTE_HOLD``, the same character alike on every page, never yielding), the
    reference's part colors by the reference strength, yielding as a tag's hold does (the part
    head's parts of a reference are a guess; synthetic reference accuracy through the engine
    0.769 yielding, 0.735 not). A tag of the part wins over either."""
    if palette is None or share <= 0:
        return {}
    parts = load_vocabulary().parts
    held = {}
    for part, color in palette.colors.items():
        lab = srgb_to_lab(np.array(hex_to_rgb(color), np.uint8)).astype(float)
        held[parts.index(part)] = HeldColor((lab[0], lab[1], lab[2]), share, yielding)
    return held


def held_by_tags(tags: Mapping[str, float]) -> dict[int, HeldColor]:
    """The parts the request's color tags hold, by part index: each part to the color its tags
    ask for (``vocabulary.target_color``: their CIELAB mix, more vivid above 1), TAG_HOLD of the
    way when their values add up to 1 or more, by the square of their sum below (the rest is the
    network's own color, as a tag below 1 means). Unknown tags hold nothing."""
    vocabulary = load_vocabulary()
    color_tags = {tag.name: tag for tag in vocabulary.cvt}
    by_part: dict[str, dict[str, float]] = {}
    for name, value in tags.items():
        tag = color_tags.get(name)
        if tag is not None and tag.part is not None and value > 0:
            by_part.setdefault(tag.part, {})[name] = float(value)
    held = {}
    for part, values in by_part.items():
        lab = srgb_to_lab(np.array(target_color(values, vocabulary), np.uint8)).astype(float)
        share = TAG_HOLD * min(1.0, sum(values.values())) ** 2
        held[vocabulary.parts.index(part)] = HeldColor((lab[0], lab[1], lab[2]), share, True)
    return held


def working_side(resolution: int, shape: tuple[int, ...]) -> int:
    """The side a model of this ``resolution`` colors a drawing of ``shape`` (H, W, ...) at when
    the request names none: REAL_DRAWING_SIDE, but never above the drawing's long side, nor
    below the model's own."""
    return max(resolution, min(REAL_DRAWING_SIDE, max(shape[:2])))


def _given_kinds(request: ColorizeRequest) -> frozenset[str]:
    kinds = set()
    if _has_hints(request):
        kinds.add("strokes")
    if request.tags:
        kinds.add("tags")
    if request.reference is not None:
        kinds.add("reference")
    return frozenset(kinds)


def _has_hints(request: ColorizeRequest) -> bool:
    return not request.hints.is_empty or request.hint_image is not None


def _geometry(shape: tuple[int, int], size: int, multiple: int) -> _Geometry:
    """The long side scaled to ``size`` (aspect kept), padded up to ``multiple``."""
    height, width = shape
    scale = size / max(height, width)
    scaled = (max(1, round(height * scale)), max(1, round(width * scale)))
    padded = tuple(max(multiple, math.ceil(side / multiple) * multiple) for side in scaled)
    return _Geometry(scaled, padded)  # type: ignore[arg-type]


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """To (h, w): area averaging when shrinking (thin lines fade, never vanish), linear when
    enlarging."""
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    shrinking = height * width < image.shape[0] * image.shape[1]
    resized = cv2.resize(
        image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    return resized.reshape((height, width) + image.shape[2:])


def _on_white(image: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8: an RGB or RGBA image composited on white paper."""
    if image.shape[2] == 3:
        return image
    alpha = image[..., 3:].astype(np.float32) / 255.0
    return np.rint(image[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)


def _to_uint8(rgb: Tensor) -> np.ndarray:
    """(1, 3, H, W) in [-1, 1] → (H, W, 3) uint8."""
    pixels = rgb[0].float().clamp(-1.0, 1.0).add(1.0).mul(127.5).round().to(torch.uint8)
    return pixels.permute(1, 2, 0).cpu().numpy()


def _under_lines(colors: np.ndarray, prepared: _Prepared) -> np.ndarray:
    """The composite: (H, W, 4) colors under the drawing's line art in multiply."""
    return composite([Layer("colors", colors), prepared.lines])


def _digest(array: np.ndarray) -> bytes:
    """A content hash of an array (shape and dtype included): the cache key of a drawing."""
    digest = hashlib.sha256(np.ascontiguousarray(array).data)  # in hardware: ~2× BLAKE2b
    digest.update(repr((array.shape, array.dtype.str)).encode())
    return digest.digest()


def _optional_digest(array: np.ndarray | None) -> Hashable:
    return None if array is None else _digest(array)
