"""The unified generator: any subset of inputs, masking of absent ones, encode/decode split."""

import dataclasses
import itertools

import pytest
import torch

from colorizer_app.nets import lab
from colorizer_app.nets.blocks import count_parameters
from colorizer_app.nets.interface import ColorNet
from colorizer_app.nets.unified import (
    PRESETS,
    RefFeatures,
    UnifiedConfig,
    UnifiedGenerator,
    configs,
)

torch.set_num_threads(1)

N_CVT, N_CIT = 6, 4
TINY = UnifiedConfig.named("tiny", N_CVT, N_CIT)
INPUTS = ("hints", "tags", "reference")
SUBSETS = [frozenset(c) for r in range(4) for c in itertools.combinations(INPUTS, r)]


@pytest.fixture(scope="module")
def model() -> UnifiedGenerator:
    """A generator as after some training: the reference projection, zero when built, is not."""
    torch.manual_seed(0)
    net = UnifiedGenerator(TINY).eval()
    torch.nn.init.normal_(net.ref_proj.weight, std=0.5)
    return net


def test_the_reference_starts_as_a_no_op():
    torch.manual_seed(0)
    net = UnifiedGenerator(TINY).eval()
    sketch, hints = _sketch(1), _hints(1)
    with torch.no_grad():
        a, _ = net(sketch, hints, reference=torch.rand(1, 3, 64, 64) * 2 - 1)
        b, _ = net(sketch, hints, reference=torch.rand(1, 3, 64, 64) * 2 - 1)
    assert torch.equal(a, b)


def _sketch(batch: int = 2, h: int = 32, w: int = 32, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, h, w, generator=g) * 2 - 1


def _hints(batch: int = 2, h: int = 32, w: int = 32, color: float = 0.9) -> torch.Tensor:
    hints = torch.zeros(batch, 4, h, w)
    hints[:, :3, 4:12, 4:12] = color  # a square stroke, RGB·mask
    hints[:, 3, 4:12, 4:12] = 1.0
    return hints


def _inputs(
    present: frozenset,
    batch: int = 2,
    h: int = 32,
    w: int = 32,
    *,
    hint_color=0.9,
    tag_value=3.0,
    ref_seed=5,
) -> dict:
    """Keyword arguments of ``forward`` for the inputs in ``present`` (the others None)."""
    cvt = torch.zeros(batch, N_CVT)
    cvt[:, 2] = tag_value
    g = torch.Generator().manual_seed(ref_seed)
    return {
        "hints": _hints(batch, h, w, hint_color) if "hints" in present else None,
        "cvt": cvt if "tags" in present else None,
        "reference": torch.rand(batch, 3, 64, 64, generator=g) * 2 - 1
        if "reference" in present
        else None,
    }


@torch.no_grad()
def _run(model, sketch, **inputs) -> torch.Tensor:
    return model(sketch, **inputs)[0]


@pytest.mark.parametrize("size", [(32, 32), (24, 40)])
def test_forward_backward_shapes_and_range(size):
    torch.manual_seed(0)
    model = UnifiedGenerator(TINY).train()
    h, w = size
    sketch = _sketch(2, h, w)
    rgb, aux = model(sketch, **_inputs(frozenset(INPUTS), 2, h, w))
    assert rgb.shape == (2, 3, h, w) and aux["skeleton"].shape == (2, 1, h, w)
    assert rgb.abs().max() <= 1 and aux["skeleton"].abs().max() <= 1
    (rgb.mean() + aux["skeleton"].mean()).backward()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trainable)
    assert all(not p.requires_grad for p in model.reference_encoder.parameters())
    assert not model.reference_encoder.training  # frozen: batch norms keep their statistics


def _absent_as_tensors(present: frozenset, seed: int) -> dict:
    """The inputs NOT in ``present`` given anyway, switched off by their flags (tags, reference)
    or by a zero mask (hints): random tensors that must not matter."""
    g = torch.Generator().manual_seed(seed)
    given = {}
    if "hints" not in present:
        colours = torch.rand(2, 3, 32, 32, generator=g)
        given["hints"] = torch.cat([colours, torch.zeros(2, 1, 32, 32)], 1)  # mask 0 everywhere
    if "tags" not in present:
        given |= {"cvt": torch.rand(2, N_CVT, generator=g) * 5, "cvt_present": torch.zeros(2)}
    if "reference" not in present:
        given |= {
            "reference": torch.rand(2, 3, 64, 64, generator=g) * 2 - 1,
            "ref_present": torch.zeros(2, dtype=torch.bool),
        }
    return given


@pytest.mark.parametrize("present", SUBSETS, ids=lambda s: "+".join(sorted(s)) or "none")
def test_each_subset_runs_steers_and_ignores_absent_inputs(model, present):
    sketch = _sketch()
    inputs = _inputs(present)
    base = _run(model, sketch, **inputs)
    assert base.shape == (2, 3, 32, 32) and torch.isfinite(base).all()
    changes = {
        "hints": {"hint_color": 0.1},
        "tags": {"tag_value": 0.5},
        "reference": {"ref_seed": 9},
    }
    for name in present:
        changed = _run(model, sketch, **_inputs(present, **changes[name]))
        assert (changed - base).abs().max() > 1e-4, f"changing {name} did not change the output"
    if len(present) < len(INPUTS):
        present_only = {k: v for k, v in inputs.items() if v is not None}
        for seed in (1, 2):
            ignored = _run(model, sketch, **present_only, **_absent_as_tensors(present, seed))
            assert torch.equal(ignored, base), "an absent input's tensor changed the output"


def test_absent_inputs_are_masked_per_sample(model):
    """Sample 1 has no tags, no reference and no hints: its output ignores their tensors, and
    equals the output of a call that omits them altogether."""
    sketch = _sketch()
    present = torch.tensor([True, False])
    hints = _hints()
    hints[1, 3] = 0  # sample 1: no hint anywhere, yet colour values left in its RGB channels
    inputs = _inputs(frozenset(INPUTS))
    base = _run(
        model,
        sketch,
        hints=hints,
        cvt=inputs["cvt"],
        cvt_present=present,
        reference=inputs["reference"],
        ref_present=present,
    )
    other = _inputs(frozenset(INPUTS), hint_color=0.2, tag_value=5.0, ref_seed=11)
    cvt, reference, hints2 = inputs["cvt"].clone(), inputs["reference"].clone(), hints.clone()
    cvt[1], reference[1], hints2[1, :3] = other["cvt"][1], other["reference"][1], 0.2
    changed = _run(
        model,
        sketch,
        hints=hints2,
        cvt=cvt,
        cvt_present=present,
        reference=reference,
        ref_present=present,
    )
    assert torch.equal(changed[1], base[1])
    omitted = _run(model, sketch[1:])
    assert torch.allclose(omitted[0], base[1], atol=1e-5)  # batch of 1 vs 2: rounding only
    # and sample 0, whose inputs are present, does respond to them
    cvt[0] = other["cvt"][0]
    steered = _run(
        model,
        sketch,
        hints=hints,
        cvt=cvt,
        cvt_present=present,
        reference=inputs["reference"],
        ref_present=present,
    )
    assert (steered[0] - base[0]).abs().max() > 1e-4
    assert torch.equal(steered[1], base[1])


def test_the_generator_is_the_engines_color_net(model):
    assert isinstance(model, ColorNet) and model.region_hints is False


def test_encode_decode_split_equals_forward(model):
    sketch = _sketch(2, 24, 40)
    inputs = _inputs(frozenset(INPUTS), 2, 24, 40)
    with torch.no_grad():
        expected, expected_aux = model(sketch, **inputs)
        encoding = model.encode_sketch(sketch)
        ref = model.encode_reference(inputs["reference"])
        rgb, aux = model.decode(
            encoding, hints=inputs["hints"], cvt=inputs["cvt"], ref_features=ref
        )
        again, _ = model.decode(
            encoding, hints=inputs["hints"], cvt=inputs["cvt"], ref_features=ref
        )
    assert torch.equal(rgb, expected) and torch.equal(aux["skeleton"], expected_aux["skeleton"])
    assert torch.equal(again, rgb)  # the cached encoding is not consumed


def test_generator_without_tags_or_reference():
    config = dataclasses.replace(TINY, n_cvt=0, reference=None, segmentation=False)
    model = UnifiedGenerator(config).eval()
    rgb, aux = model(_sketch(1), hints=_hints(1))
    assert rgb.shape == (1, 3, 32, 32) and aux == {}
    with pytest.raises(ValueError, match="no tags"):
        model(_sketch(1), cvt=torch.zeros(1, 0))
    with pytest.raises(ValueError, match="no reference"):
        model.encode_reference(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="no reference"):
        model.decode(
            model.encode_sketch(_sketch(1)), ref_features=RefFeatures(torch.zeros(1, 16, 1, 1))
        )


def test_bad_inputs_are_refused(model):
    with pytest.raises(ValueError, match="multiples of 8"):
        model.encode_sketch(torch.zeros(1, 1, 30, 32))
    with pytest.raises(ValueError, match="shape"):
        model(_sketch(2), cvt=torch.zeros(2, N_CVT), cvt_present=torch.ones(3))
    with pytest.raises(ValueError, match="missing"):
        model(_sketch(2), cvt_present=torch.ones(2))


def test_presets():
    assert set(configs(N_CVT, N_CIT)["generator"]) == set(PRESETS)
    small = UnifiedConfig.named("small", N_CVT, N_CIT)
    with torch.device("meta"):
        net = UnifiedGenerator(small)
    assert 2e6 <= count_parameters(net) <= 6e6
    assert small.reference.n_tags == N_CVT + N_CIT
    with pytest.raises(ValueError, match="unknown unified preset"):
        UnifiedConfig.named("huge", N_CVT, N_CIT)
    with pytest.raises(ValueError):
        UnifiedConfig(n_cvt=3, widths=(8, 8), hint_widths=(4,))


def test_part_head_names_pixels_at_half_size_and_needs_the_dual_branch():
    config = dataclasses.replace(TINY, part_classes=14)
    net = UnifiedGenerator(config)
    rgb, aux = net(_sketch(2), with_parts=True)
    assert aux["parts"].shape == (2, 14, 16, 16) and rgb.shape == (2, 3, 32, 32)
    assert "parts" not in net(_sketch(2))[1]
    encoding = net.encode_sketch(_sketch(1))
    assert net.part_logits(encoding) is encoding.parts  # cached with the line-art encoding
    with pytest.raises(ValueError, match="no part head"):
        UnifiedGenerator(TINY).part_logits(UnifiedGenerator(TINY).encode_sketch(_sketch(1)))
    with pytest.raises(ValueError, match="segmentation"):
        dataclasses.replace(TINY, part_classes=14, segmentation=False)


def test_refine_from_decides_which_levels_get_a_residual_block():
    levels = len(TINY.widths) - 1
    refined = [
        lvl.refine is not None
        for lvl in UnifiedGenerator(dataclasses.replace(TINY, refine_from=2)).decoder
    ]
    assert refined == [i >= 2 for i in range(levels)]
    with pytest.raises(ValueError, match="refine_from"):
        dataclasses.replace(TINY, refine_from=0)


def test_part_prior_carries_tags_and_strokes_to_the_whole_part():
    torch.manual_seed(0)
    config = dataclasses.replace(TINY, part_classes=14, part_prior=True)
    net = UnifiedGenerator(config).eval()
    sketch, no_hints = _sketch(1), torch.zeros(1, 4, 32, 32)
    cvt = torch.zeros(1, N_CVT)
    cvt[0, 2] = 1.0
    with torch.no_grad():
        encoding = net.encode_sketch(sketch)
        code, untagged = cvt, torch.zeros(1, N_CVT)
        assert net.part_prior(encoding, no_hints, code).abs().max() == 0  # starts as a no-op
        torch.nn.init.normal_(net.palette.weight)
        tagged, empty = (net.part_prior(encoding, no_hints, c) for c in (code, untagged))
        stroke = torch.zeros(1, 4, 32, 32)
        stroke[:, 0, 14:18, 4:28], stroke[:, 3, 14:18, 4:28] = 1.0, 1.0  # a red stroke
        stroked = net.part_prior(encoding, stroke, untagged)
    assert tagged.shape == (1, 3, 32, 32) and not torch.allclose(tagged, empty)
    redder = (stroked[0, 0] - stroked[0, 1:].mean(0)) - (empty[0, 0] - empty[0, 1:].mean(0))
    assert redder.min() > 0  # every pixel's prior moves toward the stroke's red
    with pytest.raises(ValueError, match="part_prior"):
        dataclasses.replace(TINY, part_prior=True)


def test_a_reference_lends_its_colours_to_the_part_prior_and_tags_push_from_there():
    torch.manual_seed(0)
    net = UnifiedGenerator(dataclasses.replace(TINY, part_classes=14, part_prior=True)).eval()
    sketch, no_hints = _sketch(1), torch.zeros(1, 4, 32, 32)
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 48, 40)
    values = torch.zeros(1, N_CVT)
    with torch.no_grad():
        torch.nn.init.normal_(net.palette.weight)
        encoding, reference = net.encode_sketch(sketch), net.encode_reference(red)
        plain = net.part_prior(encoding, no_hints, values)
        lent = net.part_prior(encoding, no_hints, values, reference)
        absent = net.part_prior(encoding, no_hints, values, reference, torch.zeros(1))
        values[0, 1] = 1.0
        pushed = net.part_prior(encoding, no_hints, values, reference) - lent
        tag_push = net.part_prior(encoding, no_hints, values) - plain
    assert reference.part_colours.shape == (1, 14, 3) and reference.part_share.shape == (1, 14)
    assert (lent[0, 0] > plain[0, 0]).all() and (lent[0, 1] < plain[0, 1]).all()  # redder
    assert torch.equal(absent, plain)  # an absent reference lends nothing
    torch.testing.assert_close(pushed, tag_push)  # a slider moves the same from either base


def test_edge_sketch_inks_colour_steps_and_leaves_flat_colour_as_paper():
    from colorizer_app.nets.unified import _edge_sketch

    image = torch.full((1, 3, 16, 16), -0.5)
    image[..., 8:] = 0.5  # a vertical step between two flat colours
    sketch = _edge_sketch(image)[0, 0]
    assert sketch.shape == (16, 16)
    assert (sketch[:, :6] == 1).all() and (sketch[:, 10:] == 1).all()
    assert (sketch[:, 7:9] == -1).all()


def test_a_half_resolution_stem_keeps_the_output_size_and_starts_from_upsampled_colours():
    torch.manual_seed(0)
    config = dataclasses.replace(TINY, stem_stride=2, part_classes=14)
    net = UnifiedGenerator(config).eval()
    assert net.size_multiple == 2 * UnifiedGenerator(TINY).size_multiple
    sketch = _sketch(2, 64, 64)
    with torch.no_grad():
        rgb, aux = net(sketch, torch.zeros(2, 4, 64, 64), with_parts=True)
        encoding = net.encode_sketch(sketch)
    assert rgb.shape == (2, 3, 64, 64) and aux["skeleton"].shape == (2, 1, 64, 64)
    assert aux["parts"].shape == (2, 14, 16, 16)
    assert encoding.skips[0].shape[-1] == 32  # level 0 works at half size
    # The full-resolution head is a zero correction at first: a warm start from a
    # full-resolution model begins from that model's colours.
    assert all(p.abs().sum() == 0 for p in net.full_res[-1].parameters())
    with pytest.raises(ValueError, match="stem_stride"):
        dataclasses.replace(TINY, stem_stride=4)


def test_region_hints_make_each_flooded_region_start_from_its_own_hint_colour():
    torch.manual_seed(0)
    config = dataclasses.replace(TINY, part_classes=14, part_prior=True, region_hints=True)
    net = UnifiedGenerator(config).eval()
    plain = UnifiedGenerator(dataclasses.replace(config, region_hints=False)).eval()
    plain.load_state_dict(net.state_dict())
    assert net.region_hints and not plain.region_hints
    flooded = torch.zeros(1, 4, 32, 32)
    flooded[:, 2, :, :16] = 1.0  # the left half blue, the right half red, both flooded
    flooded[:, 0, :, 16:] = 1.0
    flooded[:, 3] = 1.0
    values = torch.zeros(1, N_CVT)
    with torch.no_grad():
        encoding = net.encode_sketch(_sketch(1))
        prior, averaged = (m.part_prior(encoding, flooded, values) for m in (net, plain))
    edge = torch.atanh(torch.tensor(0.95))
    blue, red = torch.tensor([-1.0, -1.0, 1.0]) * edge, torch.tensor([1.0, -1.0, -1.0]) * edge
    torch.testing.assert_close(prior[0, :, :, :16], blue.view(3, 1, 1).expand(3, 32, 16))
    torch.testing.assert_close(prior[0, :, :, 16:], red.view(3, 1, 1).expand(3, 32, 16))
    # Without region hints the part's two strokes are averaged: no pixel keeps the blue.
    assert (averaged[0, :, :, :16] - blue.view(3, 1, 1)).abs().amax(0).min() > 0.5
    with pytest.raises(ValueError, match="region_hints needs part_prior"):
        dataclasses.replace(TINY, region_hints=True)


def test_a_flooded_background_does_not_take_over_the_tag_of_a_part_it_barely_touches():
    """With stroke_coverage a part's stroke colour counts by the share of the part the floods
    cover: the faint probability of "part 1" spread over a large flooded region of part 0 no
    longer replaces part 1's tag colour (it did, counted in pixels)."""
    torch.manual_seed(0)
    config = dataclasses.replace(
        TINY, part_classes=14, part_prior=True, region_hints=True, stroke_coverage=True
    )
    net = UnifiedGenerator(config).eval()
    by_pixels = UnifiedGenerator(dataclasses.replace(config, stroke_coverage=False)).eval()
    torch.nn.init.normal_(net.palette.weight)
    by_pixels.load_state_dict(net.state_dict())
    values = torch.zeros(1, N_CVT)
    values[0, 1] = 1.0
    flooded = torch.zeros(1, 4, 32, 32)
    flooded[:, 0, :, :24], flooded[:, 3, :, :24] = 1.0, 1.0  # part 0's area, flooded red
    with torch.no_grad():
        encoding = net.encode_sketch(_sketch(1))
        logits = torch.full_like(encoding.parts, -10.0)
        width = logits.shape[-1]
        logits[:, 0, :, : 3 * width // 4] = 4.0  # part 0 on the left three quarters…
        logits[:, 1, :, 3 * width // 4 :] = 4.0  # …part 1 on the right quarter
        logits[:, 1, :, : 3 * width // 4] = -1.0  # with a faint chance of part 1 everywhere
        encoding = dataclasses.replace(encoding, parts=logits)
        tag_only = net.part_prior(encoding, torch.zeros(1, 4, 32, 32), values)
        covered, counted = (m.part_prior(encoding, flooded, values) for m in (net, by_pixels))
    part_1 = (0, slice(None), slice(None), slice(28, 32))
    shift = lambda prior: (prior[part_1] - tag_only[part_1]).abs().max()  # noqa: E731
    assert shift(counted) > 0.5  # counted in pixels, the red took part 1 over
    assert shift(covered) < 0.1 * shift(counted)
    with pytest.raises(ValueError, match="stroke_coverage needs region_hints"):
        dataclasses.replace(TINY, stroke_coverage=True)


def _hair_left_top_right(net):
    """A line-art encoding whose part head is sure: hair (2) on the left half, top (6) right."""
    encoding = net.encode_sketch(_sketch(1))
    logits = torch.full_like(encoding.parts, -100.0)
    half = logits.shape[-1] // 2
    logits[:, 2, :, :half], logits[:, 6, :, half:] = 100.0, 100.0
    return dataclasses.replace(encoding, parts=logits)


def test_a_stroke_decides_an_untagged_part_and_only_nudges_a_tagged_one():
    """One stroke flooded over a quarter of the hair: with no hair tag, the whole hair's prior
    takes the stroke's colour (what the artist asks for); with a hair tag, the tag keeps the rest
    of the hair (coverage: the stroke counts for the quarter it covers)."""
    from colorizer_app.nets.unified import DECIDING_COVERAGE

    torch.manual_seed(0)
    config = dataclasses.replace(
        TINY,
        part_classes=14,
        part_prior=True,
        region_hints=True,
        stroke_coverage=True,
        palette_parts=(2, 2, 3, 3, 6, 6),
    )
    net = UnifiedGenerator(config).eval()
    torch.nn.init.normal_(net.palette.weight)
    stroke = torch.zeros(1, 4, 32, 32)
    rows = int(32 * DECIDING_COVERAGE)
    stroke[:, 0, :rows, :16], stroke[:, 3, :rows, :16] = 1.0, 1.0  # red over some strands
    red = torch.atanh(torch.tensor([0.95, -0.95, -0.95]))[:, None, None]  # pre-tanh (1, 0, 0)
    with torch.no_grad():
        encoding = _hair_left_top_right(net)
        distances = []
        for hair_tag in (0.0, 1.0):
            values = torch.zeros(1, N_CVT)
            values[0, 0] = hair_tag
            prior = net.part_prior(encoding, stroke, values)
            distances.append((prior[0, :, 16:, :12] - red).abs().amax().item())  # hair not stroked
    untagged, tagged = distances
    assert untagged < 0.05 and tagged > 0.5


def test_with_palette_parts_a_tag_moves_only_its_own_part_in_the_prior():
    torch.manual_seed(0)
    parts_of_tags = (2, 2, 3, 3, 6, 6)  # e.g. two hair, two eye and two top tags
    config = dataclasses.replace(
        TINY, part_classes=14, part_prior=True, palette_parts=parts_of_tags
    )
    net = UnifiedGenerator(config).eval()
    dense = UnifiedGenerator(dataclasses.replace(config, palette_parts=())).eval()
    torch.nn.init.normal_(net.palette.weight)
    dense.load_state_dict(net.state_dict())  # the mask is not stored: old files still load
    assert "palette_mask" not in net.state_dict()
    no_hints = torch.zeros(1, 4, 32, 32)
    with torch.no_grad():
        encoding = _hair_left_top_right(net)
        values = torch.zeros(1, N_CVT)
        base = net.part_prior(encoding, no_hints, values)
        values[0, 0] = 1.0  # a hair tag
        moved, moved_dense = (
            (m.part_prior(encoding, no_hints, values) - base).abs().amax(1)[0] for m in (net, dense)
        )
    assert moved[:, :12].min() > 0.1  # the hair moves…
    assert moved[:, 20:].max() < 1e-4  # …and the top does not
    assert moved_dense[:, 20:].max() > 0.1  # with a dense palette it did
    with pytest.raises(ValueError, match="palette_parts"):
        dataclasses.replace(config, palette_parts=(0, 1))


def test_above_a_sum_of_one_a_part_grows_more_vivid_with_its_lightness_and_hue_kept():
    torch.manual_seed(0)
    config = dataclasses.replace(
        TINY, part_classes=14, part_prior=True, palette_parts=(2, 2, 3, 3, 6, 6)
    )
    net = UnifiedGenerator(config).eval()
    torch.nn.init.normal_(net.palette.weight, std=0.7)
    torch.nn.init.normal_(net.palette.bias, std=0.3)
    values = torch.zeros(5, N_CVT)
    values[1, 0] = 1.0  # a hair tag
    values[2, 0] = 2.0  # the same at 2
    values[3, 0] = 0.5  # the same at ½
    values[4, :2] = 1.0  # two hair tags at 1 (sum 2)
    values[:, 4] = 3.0  # and a top tag at 3 everywhere
    with torch.no_grad():
        palette = net._palette(values)  # (5, 14, 3) pre-tanh
        mix = net._palette(torch.tensor([[0.5, 0.5, 0, 0, 1.0, 0]]))[0, 2]
    rgb = (torch.tanh(palette) + 1) / 2
    hair, top = 2, 6
    assert torch.allclose(palette[3, hair], (palette[0, hair] + palette[1, hair]) / 2, atol=1e-5)
    for row, one in ((2, rgb[1, hair]), (4, (torch.tanh(mix) + 1) / 2)):
        expected = lab.scale_chroma(one, torch.tensor(2.0))
        assert torch.allclose(rgb[row, hair], expected.clamp(0.025, 0.975), atol=1e-3)
        vivid, plain = lab.srgb_to_lab(rgb[row, hair]), lab.srgb_to_lab(one)
        assert abs(vivid[0] - plain[0]) < 0.5  # L kept (not darker, as the linear map made it)
    assert torch.allclose(rgb[:, top], rgb[:1, top].expand(5, 3), atol=1e-6)  # its own sum only
    others = [p for p in range(14) if p not in (hair, top)]
    assert torch.allclose(palette[:, others], palette[:1, others].expand(5, -1, 3))


def test_a_small_part_of_the_reference_lends_its_own_colour_not_its_outline(monkeypatch):
    """An iris of a full-body reference: a few pixels inside an ink ring, which the part map, at
    a quarter of the size, covers with cells that take in the ring as well."""
    torch.manual_seed(0)
    net = UnifiedGenerator(dataclasses.replace(TINY, part_classes=3, part_prior=True)).eval()
    image = torch.ones(1, 3, 32, 32)  # white paper: part 0
    image[..., 11:21, 11:21] = -1.0  # an ink ring …
    image[:, 0, 13:19, 13:19], image[:, 1:, 13:19, 13:19] = 1.0, -1.0  # … round a red iris
    logits = torch.zeros(1, 3, 8, 8)
    logits[:, 0] = 4.0  # sure of the paper …
    logits[:, 0, 3:5, 3:5], logits[:, 1, 3:5, 3:5] = 0.0, 4.0  # … and of the iris, pixels 12–19
    monkeypatch.setattr(net, "part_logits", lambda encoding: logits)
    with torch.no_grad():
        colours, share = net._reference_parts(image)
    iris = torch.tanh(colours[0, 1])  # back to [-1, 1]
    assert iris[0] > 0.8 and (iris[1:] < -0.8).all()  # red, not darkened by its ring
    assert 0.05 < share[0, 1] < share[0, 0]
