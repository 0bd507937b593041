"""Train and score one report row, cached, so the report can run in chunks across sessions.

A row-seed trains through the very ``python -m training train …`` command the report prints
(in-process), into ``WORK/ROW/seed-N``; then the finished checkpoint is loaded into a freshly built
recipe and scored on the frozen evaluation set (``eval-v1``, the scoreboard's default seeds, the
same for every row, so rows are compared on the same drawings). ``report.json`` in the run folder
is the cache: a row-seed that has one is not run again. A run interrupted while training resumes
from its checkpoint; one interrupted while scoring is only scored.
"""

from __future__ import annotations

import json
import logging
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_write_bytes
from training.cli import main as cli_main
from training.report.experiments import DEFAULT_STEPS, Plan, Row

log = logging.getLogger(__name__)

RESULT_FILE = "report.json"
MONTAGE_FILE = "montage.npz"
MONTAGE_SAMPLES = 4
PICTURES = (
    "sketch",
    "hints",
    "tag_output",
    "hint_output",
    "reference",
    "reference_output",
    "truth",
)


@dataclass(frozen=True)
class Settings:
    """What every row shares; a work folder holds rows of one ``steps`` value only."""

    work: Path = Path("runs/report")
    steps: int = DEFAULT_STEPS
    seeds: int = 2
    eval_samples: int = 100
    size: int = 128
    config: str = "tiny"
    batch_size: int = 8
    device: str = "auto"


@dataclass(frozen=True)
class RowResult:
    row: str
    seed: int
    steps: int
    eval_samples: int
    metrics: dict[str, dict[str, float | None]]  # name -> {"value", "cases", "std" (per case)}
    train_seconds: float
    eval_seconds: float


def pooled_metrics(values: Sequence[dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Mean, number of cases and per-case standard deviation of every metric, over samples."""
    pooled: dict[str, list[float]] = {}
    for sample in values:
        for name, cases in sample.items():
            pooled.setdefault(name, []).extend(cases)
    return {
        name: {"value": float(np.mean(v)), "cases": len(v), "std": float(np.std(v))}
        for name, v in sorted(pooled.items())
    }


class _ReferenceRecorder:
    """A colorizer that keeps its latest reference-transfer picture (a reference and no tags:
    the scoreboard's reference request), which the scoreboard's own pictures do not hold."""

    def __init__(self, colorizer: Callable) -> None:
        self.colorizer = colorizer
        self.reference: np.ndarray | None = None
        self.output: np.ndarray | None = None

    def __call__(self, request) -> np.ndarray:
        out = self.colorizer(request)
        if request.reference is not None and not request.tags:
            self.reference, self.output = request.reference, out
        return out


class Runner:
    def __init__(self, settings: Settings, plan: Plan) -> None:
        self.settings = settings
        self.plan = plan

    # ---------------------------------------------------------------- paths and commands

    def run_dir(self, row_id: str, seed: int) -> Path:
        return self.settings.work / row_id / f"seed-{seed}"

    def _model(self, row_id: str, seed: int) -> Path:
        return self.run_dir(row_id, seed) / f"{self.plan.rows[row_id].export}.safetensors"

    def _tagger(self, row: Row) -> Path | None:
        return None if row.tagger is None else self._model(row.tagger, 0)

    def _init(self, row: Row, seed: int) -> Path | None:
        return None if row.init is None else self._model(row.init, seed)

    def train_args(self, row: Row, seed: int) -> list[str]:
        """The ``python -m training`` arguments that train this row-seed."""
        s = self.settings
        args = [
            "train",
            row.recipe,
            "--config",
            s.config,
            "--size",
            str(s.size),
            "--steps",
            str(s.steps),
            "--batch-size",
            str(s.batch_size),
            "--seed",
            str(seed),
            "--eval-samples",
            "0",
            "--out",
            str(self.run_dir(row.id, seed)),
        ]
        for key, value in row.ablation.items():
            args += ["--ablation", f"{key}={value}"]
        for flag, path in (("--tagger", self._tagger(row)), ("--init", self._init(row, seed))):
            if path is not None:
                args += [flag, str(path)]
        if s.device != "auto":
            args += ["--device", s.device]
        return args

    def command(self, row: Row, seed: int) -> str:
        return shlex.join(["python", "-m", "training", *self.train_args(row, seed)])

    # ---------------------------------------------------------------- the cache

    def cached(self, row_id: str, seed: int) -> RowResult | None:
        """The row-seed's stored result; refuses one trained with another step count."""
        file = self.run_dir(row_id, seed) / RESULT_FILE
        if not file.is_file():
            return None
        try:
            result = RowResult(**json.loads(file.read_text()))
        except (OSError, ValueError, TypeError) as error:
            raise ColorizerError(
                f"{file}: not a report result ({error}); delete it to re-run the row"
            ) from None
        if result.steps != self.settings.steps:
            raise ColorizerError(
                f"{file}: trained for {result.steps} steps, not "
                f"{self.settings.steps}; choose another --work for other steps"
            )
        return result

    def ensure(self, row_id: str, seed: int) -> RowResult:
        """The row-seed's result: from the cache, or trained (with the rows it reads) and scored."""
        result = self.cached(row_id, seed)
        if result is not None and result.eval_samples == self.settings.eval_samples:
            return result  # (another --eval-samples: trained already, scored again below)
        row = self.plan.rows[row_id]
        for dependency, dependency_seed in ((row.tagger, 0), (row.init, seed)):
            if dependency is not None:
                self.ensure(dependency, dependency_seed)
        train_seconds = (
            self._train(row, seed)
            if not self._model(row_id, seed).is_file()
            else (result.train_seconds if result else 0.0)
        )
        started = time.monotonic()
        metrics = self._score(row, seed)
        result = RowResult(
            row_id,
            seed,
            self.settings.steps,
            self.settings.eval_samples,
            metrics,
            round(train_seconds, 1),
            round(time.monotonic() - started, 1),
        )
        atomic_write_bytes(
            self.run_dir(row_id, seed) / RESULT_FILE,
            json.dumps(asdict(result), indent=1).encode("utf-8"),
        )
        return result

    # ---------------------------------------------------------------- training and scoring

    def _train(self, row: Row, seed: int) -> float:
        args = self.train_args(row, seed)
        folder = self.run_dir(row.id, seed)
        if (folder / "checkpoint").exists():  # interrupted earlier: go on from its checkpoint
            steps = json.loads((folder / "options.json").read_text()).get("steps")
            if steps != self.settings.steps:
                raise ColorizerError(
                    f"{folder}: an unfinished run of {steps} steps, not "
                    f"{self.settings.steps}; choose another --work"
                )
            args.append("--resume")
        log.info("training %s seed %d: %s", row.id, seed, self.command(row, seed))
        started = time.monotonic()
        code = cli_main(args)
        if code != 0 or not self._model(row.id, seed).is_file():
            raise ColorizerError(
                f"row {row.id} seed {seed} did not train (exit {code}); "
                f"run it alone to see why: {self.command(row, seed)}"
            )
        return time.monotonic() - started

    def _score(self, row: Row, seed: int) -> dict[str, dict[str, float | None]]:
        """The scoreboard on eval-v1 at the report's size, or a tagger's held-out mAP."""
        from colorizer_app.engine.devices import pick_device
        from colorizer_app.nets.modelfile import read_manifest
        from colorizer_app.vocabulary import load_vocabulary
        from training.checkpoint import load_checkpoint
        from training.evaluation.colorizers import recipe_colorizer
        from training.evaluation.evaluator import Evaluator, eval_seeds
        from training.evaluation.report import hint_picture
        from training.recipes import available, build_recipe
        from training.recipes.base import RecipeSetup

        if not available()[row.recipe].colorizes:
            notes = read_manifest(self._model(row.id, seed)).recipe
            return {
                "map": {
                    "value": float(notes["map"]),
                    "cases": int(notes["map_samples"]),
                    "std": None,
                }
            }
        s = self.settings
        setup = RecipeSetup(
            config=s.config,
            vocabulary=load_vocabulary(),
            size=s.size,
            device=pick_device(s.device),
            ablation=dict(row.ablation),
            tagger=self._tagger(row),
            init=self._init(row, seed),
        )
        recipe = build_recipe(row.recipe, setup)
        load_checkpoint(
            self.run_dir(row.id, seed) / "checkpoint", recipe.modules(), recipe.optimizers()
        )
        for module in recipe.modules().values():
            module.eval()
        recorder = _ReferenceRecorder(recipe_colorizer(recipe))
        evaluator = Evaluator(recorder, size=s.size)
        values, pictures = [], {name: [] for name in PICTURES}
        for i, eval_seed in enumerate(eval_seeds(s.eval_samples)):
            recorder.reference = recorder.output = None
            sample = evaluator.evaluate_sample(eval_seed)
            values.append(sample.values)
            if i < MONTAGE_SAMPLES:
                p = sample.pictures
                blank = np.full_like(p["truth"], 255)
                for name, picture in (
                    ("sketch", p["sketch"]),
                    ("hints", hint_picture(p["sketch"], p["hints"])),
                    ("tag_output", p["tag_output"]),
                    ("hint_output", p["hint_output"]),
                    ("reference", recorder.reference),
                    ("reference_output", recorder.output),
                    ("truth", p["truth"]),
                ):
                    pictures[name].append(blank if picture is None else picture)
        np.savez_compressed(
            self.run_dir(row.id, seed) / MONTAGE_FILE,
            **{name: np.stack(tiles) for name, tiles in pictures.items() if tiles},
        )
        return pooled_metrics(values)


def load_pictures(folder: Path) -> dict[str, np.ndarray] | None:
    """A scored row-seed's montage pictures (name -> (K, H, W[, 3]) uint8), if it has them."""
    file = folder / MONTAGE_FILE
    if not file.is_file():
        return None
    with np.load(file, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
