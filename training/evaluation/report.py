"""The scoreboard's results over many samples: the table (overall, per line-art style, per
framing) and the montage."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from training.evaluation.evaluator import SampleResult
from training.evaluation.metrics import frechet_distance

METRIC_ORDER = (
    "tag_accuracy",
    "swapped_accuracy",
    "hint_accuracy",
    "tag_with_strokes_accuracy",
    "reference_accuracy",
    "bleeding",
    "slider_within15",
    "slider_mean_de",
    "psnr",
    "ssim",
    "frechet",
)


def _metric_key(name: str) -> tuple[int, str]:
    head = name.split("/")[0].split("@")[0]
    if head.startswith("slider_de"):
        head = "slider_mean_de"
    return (METRIC_ORDER.index(head) if head in METRIC_ORDER else len(METRIC_ORDER), name)


def summarize(
    results: list[SampleResult], features: Callable[[np.ndarray], np.ndarray] | None = None
) -> dict[str, dict]:
    """{column: {metric: {"value": mean, "cases": n}}} for overall, each style and each framing."""
    columns: dict[str, list[SampleResult]] = {"overall": results}
    for r in results:
        columns.setdefault(f"style:{r.sketch_style}", []).append(r)
    for r in results:
        columns.setdefault(f"framing:{r.framing}", []).append(r)
    table: dict[str, dict] = {}
    for column, members in columns.items():
        pooled: dict[str, list[float]] = {}
        for r in members:
            for metric, values in r.values.items():
                pooled.setdefault(metric, []).extend(values)
        table[column] = {
            m: {"value": float(np.mean(v)), "cases": len(v)}
            for m, v in sorted(pooled.items(), key=lambda kv: _metric_key(kv[0]))
        }
        if features is not None and len(members) >= 2:
            out = features(np.stack([r.features["output"] for r in members]))
            truth = features(np.stack([r.features["truth"] for r in members]))
            table[column]["frechet"] = {
                "value": frechet_distance(out, truth),
                "cases": len(members),
            }
    return table


def format_table(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Rows = metrics, columns = overall, per style, per framing."""
    columns = list(table)
    metrics = sorted({m for col in table.values() for m in col}, key=_metric_key)
    width = max(len(m) for m in metrics) + 2
    lines = ["metric".ljust(width) + "".join(c.rjust(15) for c in columns)]
    for metric in metrics:
        cells = []
        for column in columns:
            entry = table[column].get(metric)
            cells.append(("—" if entry is None else f"{entry['value']:.3f}").rjust(15))
        lines.append(metric.ljust(width) + "".join(cells))
    cases = [str(table[c].get("psnr", {}).get("cases", 0)).rjust(15) for c in columns]
    lines.append("samples".ljust(width) + "".join(cases))
    return "\n".join(lines)


def hint_picture(sketch: np.ndarray, hint_map: np.ndarray) -> np.ndarray:
    """The hints painted over a faint copy of the line art, as uint8 RGB."""
    paper = 255 - (255 - sketch.astype(np.float32)) * 0.35
    background = np.repeat(paper[..., None], 3, axis=2) / 255
    mask = hint_map[..., 3:]
    return (
        np.round((hint_map[..., :3] + background * (1 - mask)) * 255).clip(0, 255).astype(np.uint8)
    )


def montage(rows: list[list[np.ndarray]], gap: int = 4) -> np.ndarray:
    """Grid of equally sized uint8 RGB (or gray) tiles on white, one list per row."""
    tiles = [
        [np.repeat(t[..., None], 3, axis=2) if t.ndim == 2 else t for t in row] for row in rows
    ]
    h, w = tiles[0][0].shape[:2]
    n_cols = max(len(r) for r in tiles)
    canvas = np.full((len(tiles) * (h + gap) + gap, n_cols * (w + gap) + gap, 3), 255, np.uint8)
    for i, row in enumerate(tiles):
        for j, tile in enumerate(row):
            y, x = gap + i * (h + gap), gap + j * (w + gap)
            canvas[y : y + h, x : x + w] = tile
    return canvas


def result_montage(results: list[SampleResult], max_rows: int = 16) -> np.ndarray:
    """Per sample: line art | hints | output for the hints | output for the tags | ground truth."""
    rows = [
        [
            r.pictures["sketch"],
            hint_picture(r.pictures["sketch"], r.pictures["hints"]),
            r.pictures["hint_output"],
            r.pictures["tag_output"],
            r.pictures["truth"],
        ]
        for r in results[:max_rows]
    ]
    return montage(rows)
