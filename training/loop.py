"""The one training loop, flat and readable: data → recipe.train_step → logs, checkpoints, eval.

Budget is ``steps`` or ``minutes`` (or both: whichever ends first); ``progress`` tells the recipe
how much of it is spent so the papers' ratios hold at any budget. Runs as one process or under
``torchrun`` (DDP); rank 0 logs, evaluates and writes, behind a barrier.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from colorizer_app.engine.devices import pick_device
from colorizer_app.errors import ColorizerError
from colorizer_app.nets.modelfile import ModelManifest, load_model, save_model
from colorizer_app.vocabulary import load_vocabulary
from training.checkpoint import load_checkpoint, save_checkpoint
from training.data.dataset import Collate, make_dataset
from training.distributed import DistContext, init_distributed
from training.logbook import Logbook
from training.recipes import build_recipe
from training.recipes.base import Recipe, RecipeSetup

log = logging.getLogger(__name__)


@dataclass
class TrainOptions:
    recipe: str
    out: Path
    config: str = "small"
    data: str = "synthetic"
    size: int = 128
    steps: int | None = None
    minutes: float | None = None
    batch_size: int = 8
    resume: bool = False
    init: Path | None = None
    tagger: Path | None = None
    ablation: dict[str, str] = field(default_factory=dict)
    device: str = "auto"
    amp: bool = True  # only takes effect on GPUs
    workers: int = 0
    seed: int = 0
    log_every: int = 10
    eval_every: int = 0  # steps; 0 = only at the end
    eval_samples: int = 32
    checkpoint_every: int = 200  # steps
    checkpoint_minutes: float = 10.0


def training_device(name: str, dist: DistContext) -> torch.device:
    """The engine's device choice, with each torchrun rank on its own GPU."""
    device = pick_device(name)
    return torch.device("cuda", dist.local_rank) if device.type == "cuda" else device


class Budget:
    """How much of the run's budget (steps and/or minutes) is spent, across resumes."""

    def __init__(
        self, steps: int | None, minutes: float | None, step: int = 0, elapsed: float = 0.0
    ):
        if steps is None and minutes is None:
            raise ColorizerError("give a budget: --steps N or --minutes M")
        self.steps, self.seconds = steps, None if minutes is None else minutes * 60
        self.step, self._elapsed_before = step, elapsed
        self._started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return self._elapsed_before + time.monotonic() - self._started

    @property
    def progress(self) -> float:
        parts = []
        if self.steps:
            parts.append(self.step / self.steps)
        if self.seconds:
            parts.append(self.elapsed / self.seconds)
        return min(1.0, max(parts))

    @property
    def done(self) -> bool:
        return self.progress >= 1.0


def train(options: TrainOptions, evaluate=None) -> Path:
    """Runs (or resumes) a training run into ``options.out``; returns the run folder.

    ``evaluate(recipe, step) -> dict[str, float]`` is the periodic scoreboard (rank 0 only).
    """
    dist = init_distributed(
        "cuda" if options.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
    )
    try:
        return _train(options, dist, evaluate)
    finally:
        dist.close()


def mixed_precision(enabled: bool, device: torch.device) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on GPUs that support it (no loss scaling needed); full precision
    elsewhere. Recipes' backward passes run inside it, which autocast allows."""
    if enabled and device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _initialise(recipe: Recipe, path: Path, vocabulary) -> str:
    """Fine-tuning: loads a model file into the recipe network of the same architecture. When the
    configs differ (a warm start into a changed design), every tensor whose name and shape match
    is loaded and the rest keep their initialization, as long as most of the network matches.
    Returns what the model file's recipe records about it: its name, SHA-256 and budget."""
    loaded = load_model(path, vocabulary=vocabulary)
    note = (
        f"{Path(path).name} (sha256 {loaded.manifest.sha256}, "
        f"{loaded.manifest.budget.get('steps', '?')} steps)"
    )
    for export in recipe.exports():
        if export.architecture != loaded.manifest.architecture:
            continue
        if export.module.config == loaded.manifest.config:
            export.module.load_state_dict(loaded.module.state_dict())
            log.info("initialised %s from %s", export.name, path)
            return note
        own = export.module.state_dict()
        matching = {
            name: tensor
            for name, tensor in loaded.module.state_dict().items()
            if name in own and own[name].shape == tensor.shape
        }
        if len(matching) * 2 >= len(own):
            export.module.load_state_dict(matching, strict=False)
            log.info(
                "warm start of %s from %s: %d of %d tensors loaded, new: %s",
                export.name,
                path,
                len(matching),
                len(own),
                ", ".join(sorted(own.keys() - matching.keys())),
            )
            return f"{note}, warm start"
    raise ColorizerError(
        f"{path} ({loaded.manifest.architecture}) fits none of the networks of "
        f"recipe {recipe.name} at this config"
    )


def _train(options: TrainOptions, dist: DistContext, evaluate) -> Path:
    out = Path(options.out)
    device = training_device(options.device, dist)
    torch.manual_seed(options.seed + dist.rank)
    vocabulary = load_vocabulary()
    setup = RecipeSetup(
        config=options.config,
        vocabulary=vocabulary,
        size=options.size,
        device=device,
        ablation=options.ablation,
        amp=options.amp and device.type == "cuda",
        tagger=options.tagger,
        init=options.init,
    )
    recipe: Recipe = build_recipe(options.recipe, setup)
    started_from: dict[str, str] = {}
    if options.init is not None:
        started_from["init"] = _initialise(recipe, options.init, vocabulary)

    checkpoint_dir = out / "checkpoint"
    step, elapsed = 0, 0.0
    if options.resume:
        state = load_checkpoint(checkpoint_dir, recipe.modules(), recipe.optimizers())
        step, elapsed = int(state["step"]), float(state["elapsed"])
    elif dist.is_main and checkpoint_dir.exists():
        raise ColorizerError(f"{out} already holds a run: add --resume, or choose another --out")
    budget = Budget(options.steps, options.minutes, step, elapsed)
    recipe.wrap_for_distributed(lambda module: dist.wrap(module, device))

    needs = recipe.data_needs()
    dataset = make_dataset(
        options.data,
        size=options.size,
        seed=options.seed,
        with_reference=needs.reference,
        styles=needs.styles,
        tag_mixing=needs.tag_mixing,
        mixing_parts=needs.mixing_parts,
    )
    sampler = DistributedSampler(dataset, seed=options.seed) if dist.enabled else None
    loader = DataLoader(
        dataset,
        batch_size=options.batch_size,
        shuffle=sampler is None,
        sampler=sampler,
        num_workers=options.workers,
        collate_fn=Collate(needs.hints, recolor=needs.recolor),
        drop_last=True,
        persistent_workers=options.workers > 0,
        generator=torch.Generator().manual_seed(options.seed + step),
    )

    logbook = Logbook(out, enabled=dist.is_main)
    if dist.is_main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "options.json").write_text(json.dumps(asdict(options), default=str, indent=1))
    bar = tqdm(
        total=options.steps,
        initial=step,
        disable=not dist.is_main,
        unit="step",
        desc=f"{options.recipe}/{options.config}",
        dynamic_ncols=True,
    )
    last_checkpoint = time.monotonic()

    def save() -> None:
        if dist.is_main:
            save_checkpoint(
                checkpoint_dir,
                recipe.modules(),
                recipe.optimizers(),
                {
                    "step": budget.step,
                    "elapsed": budget.elapsed,
                    "recipe": options.recipe,
                    "config": options.config,
                    "progress": budget.progress,
                },
            )
        dist.barrier()

    epoch = step * options.batch_size // max(1, len(dataset))
    while not budget.done:
        if sampler is not None:
            sampler.set_epoch(epoch)
        for batch in loader:
            batch = {
                k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v
                for k, v in batch.items()
            }
            with mixed_precision(setup.amp, device):
                logs = recipe.train_step(batch, budget.progress)
            budget.step += 1
            bar.update(1)
            if budget.step % options.log_every == 0:
                logs = {k: dist.mean(v) for k, v in logs.items()}
                logs["progress"] = budget.progress
                logbook.log(budget.step, logs)
                bar.set_postfix({k: f"{v:.3g}" for k, v in list(logs.items())[:4]})
            if (
                evaluate
                and options.eval_every
                and budget.step % options.eval_every == 0
                and dist.is_main
            ):
                with recipe.unwrapped():
                    scores = evaluate(recipe, budget.step)
                logbook.log(budget.step, {f"eval/{k}": v for k, v in scores.items()})
            if (
                budget.step % options.checkpoint_every == 0
                or time.monotonic() - last_checkpoint > options.checkpoint_minutes * 60
            ):
                save()
                last_checkpoint = time.monotonic()
            if budget.done:
                break
        epoch += 1
    bar.close()
    save()
    if dist.is_main:
        with recipe.unwrapped():
            scoreboard = evaluate(recipe, budget.step) if evaluate else {}
        if scoreboard:
            logbook.log(budget.step, {f"eval/{k}": v for k, v in scoreboard.items()})
        with recipe.unwrapped():
            exports = recipe.exports()
        for export in exports:
            module = export.module
            save_model(
                out / export.name,
                module,
                ModelManifest(
                    architecture=export.architecture,
                    config=module.config,
                    cvt=tuple(t.name for t in vocabulary.cvt),
                    cit=tuple(t.name for t in vocabulary.cit),
                    hints=export.accepts,
                    resolution=options.size,
                    recipe={
                        "name": options.recipe,
                        "config": options.config,
                        "data": options.data,
                        "ablation": dict(options.ablation),
                        **started_from,
                        **dict(export.extra),
                    },
                    budget={
                        "steps": budget.step,
                        "minutes": round(budget.elapsed / 60, 2),
                        "batch_size": options.batch_size,
                        "world_size": dist.world_size,
                    },
                    metrics=scoreboard,
                ),
            )
        logbook.plot()
        logbook.close()
    dist.barrier()  # the other ranks wait until rank 0 has written everything
    return out
