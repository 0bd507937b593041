import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from colorizer_app.errors import ColorizerError
from colorizer_app.vocabulary import load_vocabulary
from training.data.dataset import Collate, SyntheticDataset, make_dataset, random_tag_values
from training.data.shards import write_shards
from training.data.synthetic import TRAIN_SEED_LIMIT

torch.set_num_threads(1)


def test_synthetic_and_folder_batches_share_one_collate(tmp_path):
    image = np.full((96, 96, 3), 220, np.uint8)
    image[30:70, 30:70] = (200, 50, 50)
    Image.fromarray(image).save(tmp_path / "a.png")
    (tmp_path / "a.txt").write_text("red_hair")
    synthetic = make_dataset("synthetic", size=128, length=4, with_reference=True)
    folder = make_dataset(str(tmp_path), size=128)
    collate = Collate("strokes", seed=0)
    a = next(iter(DataLoader(synthetic, batch_size=2, collate_fn=collate)))
    b = next(iter(DataLoader(folder, batch_size=1, collate_fn=collate)))
    assert set(a) == set(b)
    assert a["sketch"].shape == (2, 1, 128, 128) and a["color"].shape == (2, 3, 128, 128)
    assert a["hint"].shape == (2, 4, 128, 128) and b["hint"].shape == (1, 4, 128, 128)
    assert a["sketch"].min() >= -1 and a["color"].max() <= 1
    assert a["has_regions"].all() and not b["has_regions"].any()
    assert a["has_reference"].all() and not b["has_reference"].any()
    assert a["regions"].dtype == torch.int64 and a["regions"].max() > 0
    assert b["skeleton"].eq(-1).all() and b["seed"].tolist() == [-1]
    assert a["cvt"].shape[1] == b["cvt"].shape[1] and b["cvt"].sum() == 1
    assert a["hint"][:, 3].sum() > 0 and b["hint"][:, 3].sum() > 0  # strokes on real regions too
    assert a["sketch_style"][0] in ("clean", "xdog", "rough")


def test_hint_options_shapes():
    samples = [SyntheticDataset(0, 2, size=128)[i] for i in range(2)]
    assert Collate("ci-points", seed=1)(samples)["hint"].shape == (2, 4, 32, 32)
    assert Collate("yuan-patches", seed=1)(samples)["hint"].shape == (2, 4, 128, 128)
    assert Collate("none")(samples)["hint"].abs().sum() == 0
    with pytest.raises(ColorizerError, match="hint simulation"):
        Collate("lasers")


def test_shards_spec_and_errors(tmp_path):
    write_shards(tmp_path, 2, seed=0, size=128, config="train")
    data = make_dataset(f"shards:{tmp_path}", size=128)
    assert len(data) == 2 and Collate()([data[0], data[1]])["color"].shape == (2, 3, 128, 128)
    with pytest.raises(ColorizerError, match="128"):
        make_dataset(f"shards:{tmp_path}", size=256)
    with pytest.raises(ColorizerError, match="expected"):
        make_dataset(str(tmp_path / "nothing"))
    with pytest.raises(ColorizerError, match="training seeds"):
        SyntheticDataset(TRAIN_SEED_LIMIT - 1, 2)


def test_recolored_samples_are_marked_and_their_truth_changed():
    samples = [SyntheticDataset(0, 2, size=128)[i] for i in range(2)]
    batch = Collate("region-strokes", seed=0, recolor=1.0)(samples)
    plain = Collate("region-strokes", seed=0)(samples)
    assert batch["recolored"].all() and not plain["recolored"].any()
    assert not torch.equal(batch["color"], plain["color"])
    assert torch.equal(plain["color"], Collate()(samples)["color"])
    with pytest.raises(ColorizerError, match="region strokes"):
        Collate("strokes", recolor=0.5)


def test_slider_values_mix_tags_of_one_group_only():
    vocabulary = load_vocabulary()
    for seed in range(40):
        values = random_tag_values(vocabulary, np.random.default_rng(seed), ("bottom",))
        assert len({vocabulary.tag(name).group for name in values}) == 1
        assert {vocabulary.tag(name).part for name in values} == {"bottom"}
