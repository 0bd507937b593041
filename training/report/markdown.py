"""``docs/results.md`` from the cached row results alone, so it can be rewritten at any time.

Per comparison: a table (rows × the comparison's metrics, mean ± spread over seeds), the paper's
claims each with a verdict, a montage and the commands. A verdict compares the two rows of a
claim on its metric, in the paper's direction (lower is better for bleeding and slider ΔE):

- *within noise* when the difference is no larger than the noise: the larger of either row's
  seed spread (sample standard deviation of the seed means) and two standard errors of the
  difference over the evaluation cases (binomial for the accuracies);
- otherwise *agrees* or *does not agree* with the paper's direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from colorizer_app.imaging.atomic import atomic_save_png, atomic_write_bytes
from training.report.experiments import LOWER_IS_BETTER, Claim, Comparison, Plan
from training.report.runner import RowResult, Runner, load_pictures

AGREES, DISAGREES, NOISE, NOT_RUN = "agrees", "does not agree", "within noise", "not run yet"

METRIC_LABELS = {
    "tag_accuracy": "tag acc.",
    "swapped_accuracy": "swapped-tag acc.",
    "tag_accuracy/eyes": "eyes tag acc.",
    "hint_accuracy": "hint acc.",
    "reference_accuracy": "reference acc.",
    "bleeding": "bleeding ↓",
    "slider_within15": "slider within ΔE 15",
    "slider_mean_de": "slider ΔE ↓",
    "psnr": "PSNR (dB)",
}
MONTAGE_INPUT = {"tag_output": "sketch", "hint_output": "hints", "reference_output": "reference"}
MONTAGE_WHAT = {
    "tag_output": "line art",
    "hint_output": "line art with the strokes",
    "reference_output": "the reference",
}


@dataclass(frozen=True)
class Stat:
    """One row's metric over its seeds."""

    mean: float
    spread: float | None  # sample standard deviation of the seed means (two seeds or more)
    error: float  # standard error of ``mean`` over the evaluation cases
    seeds: int


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    verdict: str
    difference: float | None  # better − worse, signed so that > 0 is the paper's direction
    noise: float | None


def row_stat(results: Sequence[RowResult], metric: str) -> Stat | None:
    entries = [r.metrics[metric] for r in results if metric in r.metrics]
    if not entries:
        return None
    means = [e["value"] for e in entries]
    variances = [(e["std"] or 0.0) ** 2 / max(1, e["cases"]) for e in entries]
    return Stat(
        mean=float(np.mean(means)),
        spread=float(np.std(means, ddof=1)) if len(means) > 1 else None,
        error=math.sqrt(sum(variances)) / len(entries),
        seeds=len(entries),
    )


def judge(claim: Claim, results: Mapping[str, Sequence[RowResult]]) -> Verdict:
    better = row_stat(results.get(claim.better, ()), claim.metric)
    worse = row_stat(results.get(claim.worse, ()), claim.metric)
    if better is None or worse is None:
        return Verdict(claim, NOT_RUN, None, None)
    sign = -1.0 if claim.metric in LOWER_IS_BETTER else 1.0
    difference = sign * (better.mean - worse.mean)
    noise = max(
        2 * math.hypot(better.error, worse.error), better.spread or 0.0, worse.spread or 0.0
    )
    if abs(difference) <= noise:
        return Verdict(claim, NOISE, difference, noise)
    return Verdict(claim, AGREES if difference > 0 else DISAGREES, difference, noise)


def _number(metric: str, value: float) -> str:
    return f"{value:.2f}" if metric in ("psnr", "slider_mean_de") else f"{value:.3f}"


def _cell(stat: Stat | None, metric: str) -> str:
    if stat is None:
        return "—"
    text = _number(metric, stat.mean)
    return text if stat.spread is None else f"{text} ± {_number(metric, stat.spread)}"


def _row_table(
    comparison: Comparison, plan: Plan, results: Mapping[str, Sequence[RowResult]]
) -> list[str]:
    head = [
        "row",
        "switches",
        "seeds",
        *(METRIC_LABELS.get(m, m) for m in comparison.metrics),
        "time / seed (s)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row_id in comparison.rows:
        row, runs = plan.rows[row_id], results.get(row_id, ())
        switches = " ".join(f"{k}={v}" for k, v in row.ablation.items()) or "defaults"
        cells = [_cell(row_stat(runs, m), m) for m in comparison.metrics]
        seconds = (
            f"{np.mean([r.train_seconds + r.eval_seconds for r in runs]):.0f}"
            if runs
            else "not run yet"
        )
        lines.append(
            f"| {row.label} | `{row.recipe}` {switches} | {len(runs)} | "
            + " | ".join(cells)
            + f" | {seconds} |"
        )
    return lines


def _claim_table(verdicts: Sequence[Verdict], plan: Plan) -> list[str]:
    lines = [
        "| the paper | better → worse | on | difference (noise) | verdict |",
        "|---|---|---|---|---|",
    ]
    for v in verdicts:
        c = v.claim
        ours = "—"
        if v.difference is not None:
            sign = "+" if v.difference > 0 else ""
            ours = f"{sign}{_number(c.metric, v.difference)} (noise {_number(c.metric, v.noise)})"
        lines.append(
            f"| {c.paper} | {plan.rows[c.better].label} → {plan.rows[c.worse].label} | "
            f"{METRIC_LABELS.get(c.metric, c.metric)} | {ours} | **{v.verdict}** |"
        )
    return lines


def decoder_parameter_counts(config: str) -> list[tuple[str, int, int, float]]:
    """(kind, our generator at ``config``, our generator at paper size, the paper's Table 3 M)."""
    import torch

    from colorizer_app.nets.blocks import DECODER_KINDS
    from colorizer_app.nets.tag2pix import TABLE3_TARGETS, Tag2PixConfig, Tag2PixGenerator
    from colorizer_app.vocabulary import load_vocabulary
    from training.recipes.base import RecipeSetup
    from training.recipes.tag2pix import generator_config

    setup = RecipeSetup(
        config=config, vocabulary=load_vocabulary(), size=128, device=torch.device("meta")
    )
    counts = []
    with torch.device("meta"):
        for kind in DECODER_KINDS:
            ours = Tag2PixGenerator(generator_config(setup, decoder_kind=kind))
            paper = Tag2PixGenerator(replace(Tag2PixConfig.named("paper"), decoder_kind=kind))
            counts.append(
                (
                    kind,
                    sum(p.numel() for p in ours.parameters()),
                    sum(p.numel() for p in paper.parameters()),
                    TABLE3_TARGETS[kind],
                )
            )
    return counts


def _parameter_table(config: str) -> list[str]:
    lines = [
        f"| decoder block | ours at `{config}` | ours at paper size (M) | paper Table 3 (M) |",
        "|---|---|---|---|",
    ]
    for kind, ours, paper, target in decoder_parameter_counts(config):
        lines.append(f"| {kind} | {ours:,} | {paper / 1e6:.2f} | {target:.2f} |")
    return lines


def comparison_montage(comparison: Comparison, plan: Plan, runner: Runner) -> np.ndarray | None:
    """Top to bottom: the input, each row's output (its first seed), the ground truth; one
    column per evaluation sample. None until a row has been scored."""
    from training.evaluation.report import montage

    pictures = {r: load_pictures(runner.run_dir(r, 0)) for r in comparison.rows}
    scored = [p for p in pictures.values() if p is not None]
    if not scored:
        return None
    first = scored[0]
    blank = np.full_like(first["truth"], 255)
    lines = [first[MONTAGE_INPUT[comparison.shows]]]
    lines += [blank if p is None else p[comparison.shows] for p in pictures.values()]
    lines.append(first["truth"])
    return montage([list(tiles) for tiles in lines])


def render(
    plan: Plan,
    runner: Runner,
    results: Mapping[str, Sequence[RowResult]],
    montages: Mapping[str, str],
) -> str:
    """The whole page; ``montages`` maps comparison ids to the image paths the page links."""
    s = runner.settings
    verdicts = {c.id: [judge(claim, results) for claim in c.claims] for c in plan.comparisons}
    out = [
        "# Do the papers' findings hold on our data?",
        "",
        "Written by `python -m training report` from the cached runs in "
        f"`{s.work}`. Every row trains at the `{s.config}` config, {s.size}² pixels, "
        f"{s.steps} optimizer steps of batch {s.batch_size} on synthetic data; the headline rows "
        f"of each comparison with {s.seeds} seeds (mean ± standard deviation over seeds), the "
        f"others with one. Every row is scored on the same {s.eval_samples} drawings of the "
        "frozen evaluation set `eval-v1` (seeds never used in training) at "
        f"{s.size}² by the scoreboard (docs/architecture.md §4). The papers' frozen pre-trained "
        "feature nets are pre-trained here by the `tagger` recipe at the same settings.",
        "",
        "The papers measure FID or ask users; each claim below names the scoreboard metric that "
        "stands in for the paper's measure. A verdict is **within noise** when our difference "
        "is no larger than the larger of the rows' seed spreads and two standard errors of the "
        "difference over the evaluation cases (binomial for the accuracies); otherwise it "
        "**agrees** or **does not agree** with the paper's direction. With tiny networks and "
        f"{s.steps} steps these are early-training comparisons, not the papers' converged ones.",
        "",
        "| comparison | agrees | does not agree | within noise | not run yet |",
        "|---|---|---|---|---|",
    ]
    for c in plan.comparisons:
        counts = [
            sum(v.verdict == kind for v in verdicts[c.id])
            for kind in (AGREES, DISAGREES, NOISE, NOT_RUN)
        ]
        out.append(f"| [{c.title}](#{c.id}) | " + " | ".join(map(str, counts)) + " |")
    for c in plan.comparisons:
        out += ["", f'<a id="{c.id}"></a>', "", f"## {c.title}", "", c.source, ""]
        out += _row_table(c, plan, results)
        out += ["", *_claim_table(verdicts[c.id], plan)]
        if c.parameter_counts:
            out += [
                "",
                "Parameter counts of the whole generator with each decoder block:",
                "",
                *_parameter_table(s.config),
            ]
        if c.id in montages:
            labels = ", ".join(plan.rows[r].label for r in c.rows)
            out += [
                "",
                f"![{c.title}]({montages[c.id]})",
                "",
                f"*Top to bottom: {MONTAGE_WHAT[c.shows]}; {labels}; the ground truth. "
                "The first evaluation drawings, each row's first seed.*",
            ]
        out += [
            "",
            "Reproduce (the report runs these, then scores each run):",
            "",
            "```sh",
            f"python -m training report --only {c.paper} --steps {s.steps} --seeds {s.seeds} "
            f"--eval-samples {s.eval_samples} --work {s.work}",
        ]
        for row in Plan(plan.rows, (c,)).order():
            out += [runner.command(row, seed) for seed in range(plan.seeds(row.id, s.seeds))]
        out.append("```")
    return "\n".join(out) + "\n"


def cached_results(plan: Plan, runner: Runner) -> dict[str, list[RowResult]]:
    """Every cached result of the plan's rows, by row."""
    results: dict[str, list[RowResult]] = {}
    for row in plan.order():
        for seed in range(plan.seeds(row.id, runner.settings.seeds)):
            result = runner.cached(row.id, seed)
            if result is not None:
                results.setdefault(row.id, []).append(result)
    return results


def write_report(plan: Plan, runner: Runner, out: Path) -> Path:
    """Writes the page at ``out`` and its montages under ``out``'s folder / results/."""
    results = cached_results(plan, runner)
    montages = {}
    (out.parent / "results").mkdir(parents=True, exist_ok=True)
    for c in plan.comparisons:
        picture = comparison_montage(c, plan, runner)
        if picture is not None:
            atomic_save_png(out.parent / "results" / f"{c.id}.png", picture)
            montages[c.id] = f"results/{c.id}.png"
    atomic_write_bytes(out, render(plan, runner, results, montages).encode("utf-8"))
    return out
