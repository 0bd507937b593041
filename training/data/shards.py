"""Synthetic samples pre-rendered to disk, so that long CPU training does not share its cores
with the generator.

A shard directory holds ``shard-00000.npz`` … (compressed; each sample's arrays under their own
keys, so reading one sample decompresses only that sample) and ``index.json`` describing the
set: the generator config, size, seed range and per-shard counts. The index is written last, so
an interrupted run leaves a directory that is refused rather than silently short.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_output, atomic_write_bytes
from training.data.sample import Sample

log = logging.getLogger(__name__)

INDEX_FILE = "index.json"
FORMAT = "colorizer-shards"
VERSION = 1
SAMPLES_PER_SHARD = 256
_ARRAYS = ("color", "sketch", "cvt", "cit", "regions", "skeleton", "reference")
_OPEN_SHARDS = 4  # file handles kept open per process


@dataclasses.dataclass(frozen=True)
class ShardJob:
    """One shard to render: seeds [first_seed, first_seed + count)."""

    path: Path
    first_seed: int
    count: int
    config: str
    size: int
    with_reference: bool


def _sample_arrays(sample: Sample, key: str) -> dict[str, np.ndarray]:
    arrays = {
        f"{key}_{name}": getattr(sample, name)
        for name in _ARRAYS
        if getattr(sample, name) is not None
    }
    meta = {
        "seed": sample.seed,
        "sketch_style": sample.sketch_style,
        "framing": sample.framing,
        "part_colors": {k: list(v) for k, v in sample.part_colors.items()},
        "source": sample.source,
    }
    arrays[f"{key}_meta"] = np.array(json.dumps(meta))
    return arrays


def render_shard(job: ShardJob) -> int:
    """Render and write one shard (runs in a worker process); returns the sample count."""
    from training.data.synthetic import SyntheticConfig, generate

    config = dataclasses.replace(SyntheticConfig.named(job.config), size=job.size)
    arrays: dict[str, np.ndarray] = {}
    for i in range(job.count):
        sample = generate(job.first_seed + i, config, with_reference=job.with_reference)
        arrays.update(_sample_arrays(sample, f"{i:05d}"))
    with atomic_output(job.path) as temporary, open(temporary, "wb") as stream:
        np.savez_compressed(stream, **arrays)
    return job.count


def write_shards(
    out: str | os.PathLike,
    n: int,
    seed: int,
    size: int,
    config: str,
    *,
    workers: int = 1,
    per_shard: int = SAMPLES_PER_SHARD,
    with_reference: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Render samples of seeds [seed, seed + n) into shards under ``out``; returns the index path.

    ``progress`` is called with the number of samples each finished shard added.
    """
    from training.data.synthetic import TRAIN_SEED_LIMIT

    if n < 1 or per_shard < 1:
        raise ColorizerError(f"need at least one sample and one sample per shard (got n={n})")
    if not (seed >= 0 and seed + n <= TRAIN_SEED_LIMIT):
        raise ColorizerError(
            f"shards are training data and take seeds in [0, {TRAIN_SEED_LIMIT}); "
            f"[{seed}, {seed + n}) leaves that range"
        )
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ColorizerError(
            f"{folder}: cannot create the shard folder: {error.strerror}"
        ) from None
    jobs = [
        ShardJob(
            folder / f"shard-{k:05d}.npz",
            seed + start,
            min(per_shard, n - start),
            config,
            size,
            with_reference,
        )
        for k, start in enumerate(range(0, n, per_shard))
    ]
    if workers <= 1:
        for job in jobs:
            done = render_shard(job)
            if progress:
                progress(done)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for done in pool.map(render_shard, jobs):
                if progress:
                    progress(done)
    from colorizer_app.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    index = {
        "format": FORMAT,
        "version": VERSION,
        "config": config,
        "size": size,
        "seed": seed,
        "count": n,
        "with_reference": with_reference,
        "n_cvt": len(vocab.cvt),
        "n_cit": len(vocab.cit),
        "shards": [
            {"file": job.path.name, "count": job.count, "first_seed": job.first_seed}
            for job in jobs
        ],
    }
    index_path = folder / INDEX_FILE
    atomic_write_bytes(index_path, json.dumps(index, indent=1).encode("utf-8"))
    log.info("wrote %d samples in %d shards to %s", n, len(jobs), folder)
    return index_path


class ShardDataset:
    """Map-style dataset of the Samples in a shard directory (picklable for DataLoader workers)."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        index_path = self.folder / INDEX_FILE
        try:
            self.index = json.loads(index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ColorizerError(
                f"{self.folder}: no {INDEX_FILE}; not a shard folder, or make-shards did not finish"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ColorizerError(f"{index_path}: unreadable shard index: {error}") from None
        if self.index.get("format") != FORMAT or self.index.get("version") != VERSION:
            raise ColorizerError(f"{index_path}: not a version-{VERSION} {FORMAT} index")
        self.size = int(self.index["size"])
        counts = [int(s["count"]) for s in self.index["shards"]]
        self._starts = np.cumsum([0] + counts)
        self._open: OrderedDict[int, np.lib.npyio.NpzFile] = OrderedDict()

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_open"] = OrderedDict()  # file handles do not cross process boundaries
        return state

    def _shard(self, k: int) -> np.lib.npyio.NpzFile:
        if k in self._open:
            self._open.move_to_end(k)
            return self._open[k]
        path = self.folder / self.index["shards"][k]["file"]
        try:
            shard = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise ColorizerError(f"{path}: cannot read shard: {error}") from None
        self._open[k] = shard
        if len(self._open) > _OPEN_SHARDS:
            self._open.popitem(last=False)[1].close()
        return shard

    def __getitem__(self, index: int) -> Sample:
        if not 0 <= index < len(self):
            raise IndexError(index)
        k = int(np.searchsorted(self._starts, index, side="right")) - 1
        shard, key = self._shard(k), f"{index - int(self._starts[k]):05d}"
        arrays = {
            name: shard[f"{key}_{name}"] for name in _ARRAYS if f"{key}_{name}" in shard.files
        }
        meta = json.loads(str(shard[f"{key}_meta"]))
        return Sample(
            **arrays,
            seed=meta["seed"],
            sketch_style=meta["sketch_style"],
            framing=meta["framing"],
            source=meta["source"],
            part_colors={k: tuple(v) for k, v in meta["part_colors"].items()},
        )
