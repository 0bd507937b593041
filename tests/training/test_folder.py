import json
import logging

import numpy as np
import pytest
from PIL import Image

from colorizer_app.errors import ColorizerError
from colorizer_app.vocabulary import load_vocabulary
from training.data.folder import FolderDataset, normalize_tag, read_sidecar


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture()
def folder(tmp_path):
    image = np.full((80, 120, 3), 230, np.uint8)
    image[20:60, 30:90] = (40, 90, 200)
    _save(tmp_path / "art" / "a.png", image)
    (tmp_path / "art" / "a.txt").write_text("Blue Hair, 1girl, twintails ,red_eyes, solo")
    _save(tmp_path / "art" / "b.jpg", image)
    (tmp_path / "art" / "b.json").write_text(json.dumps({"tags": ["blonde_hair", "masterpiece"]}))
    _save(tmp_path / "art" / "c.png", image)
    lines = np.full((40, 60), 255, np.uint8)
    lines[10, :] = 0
    _save(tmp_path / "lines" / "a.png", lines)
    return tmp_path


def test_tags_map_onto_the_vocabulary_and_unknown_are_counted(folder, caplog):
    vocab = load_vocabulary()
    with caplog.at_level(logging.WARNING):
        data = FolderDataset(folder / "art", 64, seed=0)
    assert len(data) == 3 and data.untagged == 1
    assert data.unknown_tags == {"1girl": 1, "solo": 1, "masterpiece": 1}
    assert "unknown" in caplog.text
    a = data[0]
    assert vocab.decode_cvt(a.cvt) == {"blue_hair": 1.0, "red_eyes": 1.0}
    assert a.cit[vocab.cit_index("twintails")] == 1 and a.cit.sum() == 1
    assert vocab.decode_cvt(data[1].cvt) == {"blonde_hair": 1.0}
    assert a.regions is None and a.skeleton is None and a.seed is None


def test_samples_are_square_and_lineart_comes_from_the_parallel_folder(folder):
    data = FolderDataset(folder / "art", 64, lineart_dir=folder / "lines", seed=0)
    a, c = data[0], data[2]
    assert a.color.shape == (64, 64, 3) and a.sketch.shape == (64, 64)
    assert a.sketch_style == "folder" and c.sketch_style == "extracted"
    assert a.sketch.min() < 100 and (a.sketch < 128).mean() < 0.2  # the one drawn line
    assert np.array_equal(
        FolderDataset(folder / "art", 64, seed=0)[2].sketch,
        FolderDataset(folder / "art", 64, seed=0)[2].sketch,
    )


def test_sidecar_parsing(tmp_path):
    assert normalize_tag("  Long  Hair ") == "long_hair"
    image = tmp_path / "x.png"
    assert read_sidecar(image) is None
    (tmp_path / "x.json").write_text('["A b"]')
    assert read_sidecar(image) == ["a_b"]
    (tmp_path / "x.json").write_text('{"tags": 3}')
    with pytest.raises(ColorizerError, match="x.json"):
        read_sidecar(image)
    (tmp_path / "x.json").write_text("{oops")
    with pytest.raises(ColorizerError, match="not valid JSON"):
        read_sidecar(image)


def test_empty_or_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ColorizerError, match="no images"):
        FolderDataset(tmp_path)
    with pytest.raises(ColorizerError, match="not a folder"):
        FolderDataset(tmp_path / "nope")
