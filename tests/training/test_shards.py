import json

import numpy as np
import pytest

from colorizer_app.errors import ColorizerError
from training import cli
from training.data.shards import ShardDataset, write_shards
from training.data.synthetic import TRAIN_SEED_LIMIT, SyntheticConfig, generate


def test_shards_round_trip_samples(tmp_path):
    index = write_shards(
        tmp_path, 5, seed=7, size=128, config="train", per_shard=2, with_reference=True
    )
    meta = json.loads(index.read_text())
    assert meta["count"] == 5 and [s["count"] for s in meta["shards"]] == [2, 2, 1]
    data = ShardDataset(tmp_path)
    assert len(data) == 5
    config = SyntheticConfig(size=128)
    for i in (0, 3, 4):
        stored, fresh = data[i], generate(7 + i, config, with_reference=True)
        assert stored.seed == 7 + i
        for name in ("color", "sketch", "cvt", "cit", "regions", "skeleton", "reference"):
            assert np.array_equal(getattr(stored, name), getattr(fresh, name)), name
        assert stored.part_colors == fresh.part_colors
        assert stored.sketch_style == fresh.sketch_style and stored.framing == fresh.framing
    with pytest.raises(IndexError):
        data[5]


def test_training_shards_refuse_evaluation_seeds(tmp_path):
    with pytest.raises(ColorizerError, match="seeds"):
        write_shards(tmp_path, 2, seed=TRAIN_SEED_LIMIT - 1, size=128, config="train")


def test_unfinished_folder_is_refused(tmp_path):
    with pytest.raises(ColorizerError, match="index.json"):
        ShardDataset(tmp_path)


def test_make_shards_command_with_workers(tmp_path, capsys):
    assert (
        cli.main(
            [
                "make-shards",
                "--n",
                "3",
                "--seed",
                "0",
                "--size",
                "128",
                "--config",
                "train",
                "--out",
                str(tmp_path),
                "--workers",
                "2",
                "--per-shard",
                "2",
            ]
        )
        == 0
    )
    assert len(ShardDataset(tmp_path)) == 3
    assert "wrote 3 samples" in capsys.readouterr().out
