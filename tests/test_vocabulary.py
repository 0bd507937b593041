import itertools
import json

import numpy as np
import pytest

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.color import chroma, delta_e, srgb_to_lab
from colorizer_app.vocabulary import load_vocabulary, target_color

PARTS = [
    "background",
    "skin",
    "hair",
    "eyes",
    "eye_whites",
    "mouth",
    "top",
    "bottom",
    "legwear",
    "footwear",
    "hat",
    "bow",
    "neckwear",
    "gloves",
]


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def test_parts_and_sizes(vocab):
    assert list(vocab.parts) == PARTS
    groups = {}
    for t in vocab.cvt:
        groups.setdefault(t.group, []).append(t.name)
    assert len(groups["hair_color"]) >= 10 and len(groups["eye_color"]) >= 10
    for g in (
        "top_color",
        "skirt_color",
        "pants_color",
        "legwear_color",
        "footwear_color",
        "hat_color",
        "bow_color",
        "neckwear_color",
        "gloves_color",
    ):
        assert len(groups[g]) >= 7, g
    for name in (
        "blonde_hair",
        "aqua_eyes",
        "white_shirt",
        "red_skirt",
        "black_legwear",
        "brown_footwear",
        "red_bow",
        "white_background",
    ):
        assert vocab.tag(name).kind == "cvt"
    for name in ("long_hair", "twintails", "ponytail", "hat", "skirt", "pants", "gloves"):
        assert vocab.tag(name).kind == "cit"


def test_palette_colors_distinct_within_each_group(vocab):
    for group in {t.group for t in vocab.cvt}:
        tags = [t for t in vocab.cvt if t.group == group]
        for a, b in itertools.combinations(tags, 2):
            de = delta_e(srgb_to_lab(np.array(a.rgb)), srgb_to_lab(np.array(b.rgb)))
            assert de >= 15, (a.name, b.name, de)


def test_indices_encode_decode_and_errors(vocab):
    i = vocab.cvt_index("blue_hair")
    assert vocab.cvt[i].name == "blue_hair"
    vector = vocab.encode_cvt({"blue_hair": 1.0, "red_eyes": 0.5})
    assert vector.shape == (len(vocab.cvt),) and vector.dtype == np.float32
    assert vocab.decode_cvt(vector) == {"blue_hair": 1.0, "red_eyes": 0.5}
    assert vocab.cit[vocab.cit_index("twintails")].name == "twintails"
    assert {t.part for t in vocab.cvt_for_part("bottom")} == {"bottom"}
    assert any(t.name.endswith("_pants") for t in vocab.cvt_for_part("bottom"))
    with pytest.raises(ColorizerError, match="blue_hair"):
        vocab.cvt_index("blue_hiar")
    assert "blue_hair" in vocab.close_matches("blu_hair")


def test_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "tags.json"
    path.write_text(
        json.dumps(
            {
                "parts": ["hair"],
                "tags": [
                    {
                        "name": "x_hair",
                        "kind": "cvt",
                        "part": "hair",
                        "group": "g",
                        "colors": ["#12"],
                    }
                ],
            }
        )
    )
    with pytest.raises(ColorizerError, match="x_hair"):
        load_vocabulary(path)
    path.write_text("{nope")
    with pytest.raises(ColorizerError, match="tags.json"):
        load_vocabulary(path)


def _lab(rgb):
    return srgb_to_lab(np.array(rgb, np.uint8)).astype(np.float64)


def test_value_one_gives_the_palette_color(vocab):
    for t in vocab.cvt:
        assert target_color({t.name: 1.0}, vocab) == t.rgb


def test_mix_lies_between(vocab):
    red, blonde = _lab(vocab.tag("red_hair").rgb), _lab(vocab.tag("blonde_hair").rgb)
    mix = _lab(target_color({"red_hair": 0.5, "blonde_hair": 0.5}, vocab))
    assert np.allclose(mix, (red + blonde) / 2, atol=1.0)
    assert delta_e(mix, red) > 10 and delta_e(mix, blonde) > 10


def test_value_above_one_raises_chroma_and_keeps_hue(vocab):
    base = _lab(vocab.tag("blue_eyes").rgb)
    strong = _lab(target_color({"blue_eyes": 2.0}, vocab))
    assert chroma(strong) > chroma(base) + 5
    assert abs(np.arctan2(strong[2], strong[1]) - np.arctan2(base[2], base[1])) < 0.1


def test_value_below_one_mixes_with_other(vocab):
    other = (40, 200, 40)
    half = _lab(target_color({"red_hair": 0.5}, vocab, other))
    assert np.allclose(half, (_lab(vocab.tag("red_hair").rgb) + _lab(other)) / 2, atol=1.0)
    assert target_color({"red_hair": 0.0}, vocab, other) == other
    assert target_color({"red_hair": 0.3}, vocab) == vocab.tag("red_hair").rgb
    with pytest.raises(ValueError):
        target_color({"red_hair": 0.0}, vocab)
    with pytest.raises(ValueError):
        target_color({"red_hair": 1.0, "blue_eyes": 1.0}, vocab)
