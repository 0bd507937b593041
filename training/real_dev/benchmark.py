"""The real dev set run through a colorizer: per-drawing scores, their summary, a montage per
drawing and a markdown report (``python -m training eval-real`` without a folder).

Every drawing is asked once for its **parts**: its hair and eye tags (see ``part_tags``), no
strokes; that output is scored at the labelled points (``scoring``). A color illustration is
also asked to **reconstruct** itself from its XDoG line art, its tags (all those read off it)
and 0, 4, 16 and 64 sampled strokes (nested: more strokes add to fewer); the colorizer, flat
fill and the uncolored line art are each scored against the original.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_save_png, atomic_write_bytes
from colorizer_app.imaging.color import srgb_to_lab
from colorizer_app.imaging.hints import Hints, rasterize_hints
from colorizer_app.vocabulary import Vocabulary
from training.evaluation.colorizers import flat_fill_colorizer
from training.evaluation.report import hint_picture, montage
from training.evaluation.request import Colorizer, EvalRequest
from training.real_dev import scoring
from training.real_dev.drawings import PreparedDrawing, part_tags, prepare, sampled_strokes
from training.real_dev.labels import DevSet
from training.real_dev.pictures import fit, marked

STROKE_COUNTS = (0, 4, 16, 64)
PART_MEASURES = (
    "hair_tag_accuracy",
    "hair_tag_de",
    "eye_tag_accuracy",
    "eye_tag_de",
    "face_stays_skin",
    "top_spread",
    "bottom_spread",
    "background_stains",
)
BASELINES = ("flat", "lineart")  # flat fill, and the uncolored line art


def run_dev_set(
    colorizer: Colorizer,
    dev_set: DevSet,
    images_root: Path,
    out: Path,
    *,
    size: int,
    seed: int,
    vocabulary: Vocabulary,
    progress: Callable[[str], None] = print,
) -> dict:
    """Score every drawing of the dev set, write one montage per drawing into ``out``, and
    return {"drawings": [records], "summary": {...}}."""
    _create_folder(out)
    records = []
    for drawing in dev_set.drawings:
        prepared = prepare(drawing, images_root, size)
        record, rows = _score_drawing(prepared, colorizer, vocabulary, seed)
        records.append(record)
        name = drawing.key.replace("/", "-").rsplit(".", 1)[0] + ".png"
        atomic_save_png(out / name, montage(rows))
        progress(_drawing_line(record))
    return {"drawings": records, "summary": summarize(records)}


def _score_drawing(
    prepared: PreparedDrawing, colorizer: Colorizer, vocabulary: Vocabulary, seed: int
) -> tuple[dict, list[list[np.ndarray]]]:
    drawing, points = prepared.drawing, prepared.points
    tags = part_tags(drawing, vocabulary, seed)
    output = np.asarray(
        colorizer(EvalRequest(sketch=prepared.sketch, tags={t: 1.0 for t in tags.values()}))
    )
    record = {
        "drawing": drawing.key,
        "kind": drawing.kind,
        "size": list(prepared.sketch.shape),
        "tags": tags,
        **_part_scores(prepared, srgb_to_lab(output), tags, vocabulary),
    }
    row = [fit(prepared.sketch), fit(output), fit(marked(output, points))]
    rows = [row]
    if prepared.original is not None:
        record["reconstruction"], outputs = _reconstruction(prepared, colorizer, seed)
        row.insert(0, fit(prepared.original))
        rows.append([fit(image) for image in outputs])
    return record, rows


def _part_scores(
    prepared: PreparedDrawing, lab: np.ndarray, tags: dict[str, str], vocabulary: Vocabulary
) -> dict[str, float | None]:
    points = prepared.points
    scores: dict[str, float | None] = dict.fromkeys(PART_MEASURES)
    for part, name in (("hair", "hair_tag"), ("irises", "eye_tag")):
        if part in tags and part in points:
            hit, distance = scoring.tag_on_part(lab, points[part], tags[part], vocabulary)
            scores[f"{name}_accuracy"], scores[f"{name}_de"] = float(hit), distance
    if "hair" in tags and "skin" in points:
        scores["face_stays_skin"] = float(
            scoring.face_stays_skin(lab, points["skin"], tags["hair"], vocabulary)
        )
    for part in ("top", "bottom"):
        if part in points:
            scores[f"{part}_spread"] = scoring.spread(lab, points[part], prepared.paper)
    if "background" in points:
        scores["background_stains"] = scoring.background_stains(
            lab, points["background"], prepared.labels, prepared.paper
        )
    return scores


def _reconstruction(
    prepared: PreparedDrawing, colorizer: Colorizer, seed: int
) -> tuple[dict, list[np.ndarray]]:
    """{colorizer: {strokes: {"de76", "psnr"}}} and the pictures for the montage row: the
    colorizer's output for each stroke count, then the strokes drawn over the line art."""
    drawing, original, paper = prepared.drawing, prepared.original, prepared.paper
    assert original is not None, "only a color illustration is reconstructed"
    tags = {t: 1.0 for t in drawing.tags}
    lineart = np.repeat(prepared.sketch[..., None], 3, axis=2)
    strokes = sampled_strokes(prepared, max(STROKE_COUNTS), seed).strokes
    scores: dict[str, dict] = {"model": {}, **{name: {} for name in BASELINES}}
    pictures = []
    for count in STROKE_COUNTS:
        hints = Hints(strokes=strokes[:count])
        hint_map = rasterize_hints(hints, prepared.sketch.shape)
        request = EvalRequest(sketch=prepared.sketch, hints=hints, hint_map=hint_map, tags=tags)
        output = np.asarray(colorizer(request))
        pictures.append(output)
        for name, image in (
            ("model", output),
            ("flat", flat_fill_colorizer(request)),
            ("lineart", lineart),
        ):
            de76, psnr = scoring.reconstruction(image, original, paper)
            scores[name][str(count)] = {"de76": de76, "psnr": psnr, "strokes": len(hints.strokes)}
    pictures.append(hint_picture(prepared.sketch, hint_map))
    return scores, pictures


def summarize(records: list[dict]) -> dict:
    """Means of each part measure per kind of drawing (and overall), with case counts, and the
    reconstruction means per colorizer and stroke count."""
    groups = {
        "lineart": [r for r in records if r["kind"] == "lineart"],
        "color": [r for r in records if r["kind"] == "color"],
        "all": records,
    }
    parts = {
        group: {
            name: _mean_entry([r[name] for r in members if r[name] is not None])
            for name in PART_MEASURES
        }
        for group, members in groups.items()
    }
    colored = [r["reconstruction"] for r in records if "reconstruction" in r]
    reconstruction = {
        name: {
            str(count): {
                measure: _mean_entry([c[name][str(count)][measure] for c in colored])
                for measure in ("de76", "psnr")
            }
            for count in STROKE_COUNTS
        }
        for name in ("model", *BASELINES)
    }
    return {"parts": parts, "reconstruction": reconstruction}


def _mean_entry(values: list[float]) -> dict:
    return {"value": float(np.mean(values)) if values else None, "cases": len(values)}


def markdown_report(summary: dict, model: str) -> str:
    """The summary as two markdown tables: part measures by kind, and reconstruction."""
    parts = summary["parts"]
    lines = [
        f"Real dev set, {model}: parts (tags asked: hair, eyes)",
        "",
        "| measure | line art | color | all |",
        "| --- | --- | --- | --- |",
    ]
    for name in PART_MEASURES:
        cells = [_cell(parts[group][name]) for group in ("lineart", "color", "all")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Color illustrations rebuilt from their XDoG line art, tags and sampled strokes "
        "(ΔE76 ↓ / PSNR dB over paper pixels)",
        "",
        "| strokes | " + " | ".join((model, "flat fill", "line art")) + " |",
        "| --- | --- | --- | --- |",
    ]
    rebuilt = summary["reconstruction"]
    for count in STROKE_COUNTS:
        cells = []
        for name in ("model", *BASELINES):
            entry = rebuilt[name][str(count)]
            cells.append(
                f"{_shown(entry['de76']['value'], 1)} / {_shown(entry['psnr']['value'], 2)}"
            )
        lines.append(f"| {count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(entry: dict) -> str:
    return f"{_shown(entry['value'], 3)} ({entry['cases']})"


def _shown(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _drawing_line(record: dict) -> str:
    shown = {name: record[name] for name in PART_MEASURES if record[name] is not None}
    line = f"{record['drawing']:28s} " + "  ".join(f"{k} {v:.2f}" for k, v in shown.items())
    if "reconstruction" in record:
        model = record["reconstruction"]["model"]
        line += "  ΔE76@" + "/".join(f"{model[str(c)]['de76']:.1f}" for c in STROKE_COUNTS)
    return line


def _create_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(f"{out}: cannot create the output folder: {error.strerror}") from None


def write_results(out: Path, result: dict, report: str) -> None:
    """metrics.json and report.md into ``out`` (which ``run_dev_set`` created)."""
    atomic_write_bytes(out / "metrics.json", json.dumps(result, indent=1).encode("utf-8"))
    atomic_write_bytes(out / "report.md", (report + "\n").encode("utf-8"))
