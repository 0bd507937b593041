"""The shared tagger read as a frozen feature net: stage strides, inputs, weights, freezing."""

import pytest
import torch

from colorizer_app.nets.reference import ResNetTagger, configs
from colorizer_app.nets.shared_tagger import FEATURE_STAGE, TaggerFeatures

torch.set_num_threads(1)


def _tagger():
    torch.manual_seed(0)
    return ResNetTagger(configs()["tagger"]["tiny"]).eval()


def test_stages_sit_at_a_quarter_then_halve_and_end_where_the_tagger_does():
    tagger = _tagger()
    features = TaggerFeatures.from_tagger(tagger)
    image = torch.rand(2, 3, 64, 64) * 2 - 1
    outputs = features.features(image, range(4))
    assert [o.shape[-1] for o in outputs] == [16, 8, 4, 2]
    assert [o.shape[1] for o in outputs] == list(tagger.config.widths)
    with torch.no_grad():
        assert torch.allclose(outputs[-1], tagger.features(image))
        assert torch.equal(features(image), outputs[FEATURE_STAGE])
    assert features.out_channels == tagger.config.widths[FEATURE_STAGE]


def test_line_art_reads_as_gray_and_a_hint_map_by_its_colors():
    features = TaggerFeatures.from_tagger(_tagger())
    sketch = torch.rand(1, 1, 32, 32) * 2 - 1
    assert torch.equal(features(sketch), features(sketch.expand(-1, 3, -1, -1)))
    hint = torch.rand(1, 4, 32, 32)
    assert torch.equal(features(hint), features(hint[:, :3]))


def test_it_stays_frozen_in_training_mode():
    features = TaggerFeatures.from_tagger(_tagger())
    features.train()
    assert not features.training and not any(p.requires_grad for p in features.parameters())
    with pytest.raises(ValueError, match="stages 0 to 3"):
        TaggerFeatures(configs()["tagger"]["tiny"], stage=4)
