"""``python -m bench.engine``: how fast the engine answers an artist.

For every installed model (an untrained ``unified`` ``small`` network stands in when none is
installed: speed does not depend on the weights) and for flat fill, the median of ``--runs`` runs
of: a full colorize of a 1024² drawing with cold caches, a tag-only update with warm caches, a
stroke-only update, and the process's peak RSS. Then the generator forward pass of ours against
the paper-size Tag2Pix and AlacGAN generators on the same 512² input, as a ratio. Prints markdown
with the machine (CPU count, torch threads).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch

from colorizer_app.engine.devices import default_threads
from colorizer_app.engine.pipeline import Engine
from colorizer_app.engine.registry import ModelRegistry
from colorizer_app.engine.request import ColorizeRequest
from colorizer_app.imaging.hints import Hints, Stroke

STAND_IN = "unified-small (untrained stand-in)"


def synthetic_drawing(size: int = 1024, seed: int = 0) -> np.ndarray:
    """(size, size, 4) RGBA: a character-like tangle of outlined shapes, anti-aliased."""
    rng = np.random.default_rng(seed)
    gray = np.full((size, size), 255, np.uint8)
    scale = size / 1024
    for _ in range(40):
        centre = tuple(int(v) for v in rng.integers(int(80 * scale), int(size - 80 * scale), 2))
        axes = tuple(int(v) for v in rng.integers(int(20 * scale), int(160 * scale), 2))
        cv2.ellipse(
            gray,
            centre,
            axes,
            float(rng.uniform(0, 180)),
            0,
            360,
            0,
            max(1, round(3 * scale)),
            cv2.LINE_AA,
        )
    for _ in range(30):
        points = rng.integers(0, size, (4, 2)).astype(np.int32)
        cv2.polylines(gray, [points], False, 0, max(1, round(2 * scale)), cv2.LINE_AA)
    rgba = np.empty((size, size, 4), np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba


def median_seconds(action: Callable[[int], object], runs: int) -> float:
    """Median wall time of ``action(i)`` over ``runs`` calls, after one warm-up call."""
    action(-1)
    times = []
    for i in range(runs):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def stroke(i: int) -> Hints:
    y = 300.0 + 20 * i
    return Hints((Stroke("#d04040", 8.0, ((300.0, y), (500.0, y + 30))),))


def engine_rows(
    registry: ModelRegistry,
    names: list[str],
    runs: int,
    size: int | None,
    device: str,
    threads: int,
) -> list[str]:
    art = synthetic_drawing()
    picture = cv2.cvtColor(synthetic_drawing(256, seed=1), cv2.COLOR_RGBA2RGB)
    rows = []
    for name in names:
        # A model that colors after a reference (Yan et al.) gets one; the others need none.
        needs = registry.entry(name).requires if name != "flat" else frozenset()
        reference = picture if "reference" in needs else None
        full, tag_update, stroke_update = _model_timings(
            Engine(registry, device=device, threads=threads),
            lambda: Engine(registry, device=device, threads=threads),
            ColorizeRequest(
                art,
                model=name,
                size=size,
                hints=stroke(0),
                reference=reference,
                tags={"blue_hair": 1.0} if name != "flat" else {},
            ),
            runs,
        )
        shown = STAND_IN if name == "stand-in" else name
        rows.append(
            f"| {shown} | {full:.3f} | {tag_update} | {stroke_update:.3f} | {peak_rss_mb():.0f} |"
        )
    return rows


def _model_timings(
    warm: Engine, cold: Callable[[], Engine], base: ColorizeRequest, runs: int
) -> tuple[float, str, float]:
    """Median seconds of a cold request, a tag change and a new stroke (the last two warm)."""
    full = median_seconds(lambda i: cold().colorize(base), runs)
    warm.colorize(base)
    tag_update = "—"
    if base.model != "flat":
        seconds = median_seconds(
            lambda i: warm.colorize(replace(base, tags={"blue_hair": 1.5 + 0.1 * i})), runs
        )
        tag_update = f"{seconds:.3f}"
    stroke_update = median_seconds(
        lambda i: warm.colorize(replace(base, hints=stroke(i + 1))), runs
    )
    return full, tag_update, stroke_update


def forward_rows(ours: torch.nn.Module, runs: int, side: int) -> list[str]:
    """Generator forward passes at side², ours against the paper-size generators (if present)."""
    from colorizer_app.vocabulary import load_vocabulary

    n_cvt = len(load_vocabulary().cvt)
    sketch = torch.zeros(1, 1, side, side)
    cvt = torch.zeros(1, n_cvt)
    hints = torch.zeros(1, 4, side, side)
    timings: list[tuple[str, float | None, str]] = []
    with torch.inference_mode():
        timings.append(
            (
                "ours (unified small: sketch + strokes + tags)",
                median_seconds(lambda i: ours(sketch, hints, cvt), runs),
                "",
            )
        )
        try:
            from colorizer_app.nets.tag2pix import CITExtractor, Tag2PixConfig, Tag2PixGenerator
            from colorizer_app.nets.tag2pix import configs as tag2pix_configs
        except ImportError:
            timings.append(
                ("Tag2Pix generator (paper-512) + CIT features", None, "module not available")
            )
        else:
            config = Tag2PixConfig.named("paper-512", n_cvt)
            tag2pix = Tag2PixGenerator(config).eval()
            extractor = CITExtractor(tag2pix_configs()["tagger"]["paper"]).eval()
            paper_cvt = torch.zeros(1, config.n_cvt)  # the paper's own tag count
            timings.append(
                (
                    "Tag2Pix generator (paper-512) + CIT features",
                    median_seconds(lambda i: tag2pix(sketch, paper_cvt, extractor(sketch)), runs),
                    "",
                )
            )
        try:
            from colorizer_app.nets.alacgan import AlacGenerator, LocalFeatures, configs
        except ImportError:
            timings.append(("AlacGAN generator (paper)", None, "module not available"))
        else:
            presets = configs()
            local = LocalFeatures(presets["tagger"]["paper"]).eval()
            alac = AlacGenerator(presets["generator"]["paper"]).eval()
            small_hints = torch.zeros(1, 4, side // 4, side // 4)
            timings.append(
                (
                    "AlacGAN generator (paper) + local features",
                    median_seconds(lambda i: alac(sketch, small_hints, local(sketch)), runs),
                    "",
                )
            )
    ours_time = timings[0][1]
    rows = []
    for name, seconds, note in timings:
        if seconds is None:
            rows.append(f"| {name} | — | — | skipped: {note} |")
        else:
            rows.append(f"| {name} | {seconds:.3f} | {seconds / ours_time:.1f}× | {note} |")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measure (≥ 5)")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=256, help="working resolution")
    parser.add_argument("--forward-size", type=int, default=512)
    parser.add_argument(
        "--skip-forward",
        action="store_true",
        help="skip the paper-size generator comparison (slow on a CPU)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        registry = ModelRegistry()
        names = [
            entry.name for entry in sorted(registry.entries, key=lambda e: (not e.default, e.name))
        ]
        if not names:
            registry = ModelRegistry(user_dir=_stand_in(Path(scratch)))
            names = ["stand-in"]
        print(
            f"Machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} "
            f"torch threads of {os.cpu_count()} CPUs, device {args.device}, "
            f"torch {torch.__version__}; working size {args.size}², median of {args.runs} runs\n"
        )
        print(
            "| model | full colorize 1024² (s) | tag update, warm (s) | stroke update (s) "
            "| peak RSS (MB) |"
        )
        print("| --- | --- | --- | --- | --- |")
        for row in engine_rows(
            registry, names + ["flat"], args.runs, args.size, args.device, args.threads
        ):
            print(row)
        if not args.skip_forward:
            ours = registry.load(names[0]).module  # the default model
            print(f"\nGenerator forward pass, {args.forward_size}² input:\n")
            print("| generator | seconds | × ours | note |")
            print("| --- | --- | --- | --- |")
            for row in forward_rows(ours, args.runs, args.forward_size):
                print(row)


def _stand_in(folder: Path) -> Path:
    """An untrained unified ``small`` model file in ``folder`` (speed needs no training)."""
    from bench.stand_in import save_untrained_unified

    save_untrained_unified(folder / "stand-in.safetensors", preset="small", resolution=256)
    return folder


if __name__ == "__main__":
    main()
