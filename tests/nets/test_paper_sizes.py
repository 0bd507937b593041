"""Every family's paper-size networks build (on the meta device) and match the parameter counts
counted from the official code within ±5 % (docs/architecture.md §2); CSA, which has no official
code, builds."""

import pytest
import torch

from colorizer_app.nets import alacgan, csa, reference, segfusion, tag2pix
from colorizer_app.nets.blocks import count_parameters

TARGETS = [
    target
    for family in (tag2pix, segfusion, alacgan, csa, reference)
    for target in family.paper_param_targets()
]


@pytest.mark.parametrize("label, build, millions", TARGETS, ids=[t[0] for t in TARGETS])
def test_paper_parameter_counts(label, build, millions):
    with torch.device("meta"):
        count = count_parameters(build()) / 1e6
    assert count > 0.1, label
    if millions is not None:
        assert count == pytest.approx(millions, rel=0.05), f"{label}: {count:.2f} M vs {millions} M"
