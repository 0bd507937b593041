"""The request schema: each setting's default and range declared once, a request that refuses bad
values when it is made (with the engine's one-line messages), and the ui, the CLI and training's
scoreboard commands reading the same declarations."""

import argparse
import math

import numpy as np
import pytest

from colorizer_app.engine.request import (
    AUTO,
    MODEL,
    REGION_CONSISTENCY,
    TAG_VALUE,
    WORKING_SIZE,
    ColorizeRequest,
)
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.hints import Hints
from tests.tiny_model import drawing


def test_a_request_takes_each_settings_declared_default():
    request = ColorizeRequest(drawing())
    assert request.model == MODEL.default == AUTO
    assert request.size is WORKING_SIZE.default is None
    assert request.region_consistency is REGION_CONSISTENCY.default is True  # the app's default
    assert request.hints == Hints() and dict(request.tags) == {} and request.reference is None
    assert TAG_VALUE.default == 1.0  # a ticked tag: exactly its color


def test_ranges_include_their_ends_and_refuse_what_is_not_a_finite_number():
    assert (TAG_VALUE.low, TAG_VALUE.high) == (0.0, 5.0)
    assert (WORKING_SIZE.low, WORKING_SIZE.high) == (16, 2048)
    for value in (0, 0.0, 2.5, 5):
        assert TAG_VALUE.admits(value)
    for value in (-0.1, 5.01, math.nan, math.inf, "1", None):
        assert not TAG_VALUE.admits(value)
    assert WORKING_SIZE.admits(16) and WORKING_SIZE.admits(2048)
    assert not WORKING_SIZE.admits(15) and not WORKING_SIZE.admits(2049)


@pytest.mark.parametrize(
    "tags, message",
    [
        ({"blue_hair": 7.0}, r"tag 'blue_hair': value 7.0 is not between 0 and 5"),
        ({"blue_hair": -1}, r"tag 'blue_hair': value -1 is not between 0 and 5"),
        ({"blue_hair": math.nan}, r"tag 'blue_hair': value nan is not between 0 and 5"),
        ({"blue_hair": "1"}, r"tag 'blue_hair': value '1' is not between 0 and 5"),
        ({"blue_hiar": 1.0}, r"unknown tag 'blue_hiar' \(did you mean blue_hair"),
        ({"twintails": 1.0}, r"'twintails' is a shape tag; only color tags steer colors"),
    ],
)
def test_bad_tags_are_refused_when_the_request_is_made(tags, message):
    with pytest.raises(ColorizerError, match=message):
        ColorizeRequest(drawing(), tags=tags)


@pytest.mark.parametrize("size", [8, 15, 2049, 10_000])
def test_a_working_size_out_of_range_is_refused(size):
    with pytest.raises(ColorizerError, match=f"working size {size} is not between 16 and 2048"):
        ColorizeRequest(drawing(), size=size)


def test_the_range_ends_and_the_models_own_size_are_accepted():
    for size in (None, 16, 2048):
        assert ColorizeRequest(drawing(), size=size).size == size


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((10, 10), np.float32),
        np.zeros((10, 10, 2), np.uint8),
        np.zeros((0, 10, 4), np.uint8),
        np.zeros((2, 10, 10, 4), np.uint8),
        [[0, 255]],
    ],
    ids=["float", "two channels", "empty", "four dimensions", "a list"],
)
def test_a_drawing_that_is_no_uint8_image_is_refused(array):
    with pytest.raises(ColorizerError, match=r"the drawing must be an \(H, W\), \(H, W, 3\)"):
        ColorizeRequest(array)


def test_gray_rgb_and_rgba_drawings_are_accepted():
    rgba = drawing()
    for array in (rgba[..., 0], rgba[..., :3], rgba):
        ColorizeRequest(array)


@pytest.mark.parametrize(
    "reference",
    [np.zeros((8, 8, 4), np.float32), np.zeros((8, 8), np.uint8), np.zeros((8, 8, 2), np.uint8)],
    ids=["float", "gray", "two channels"],
)
def test_a_reference_that_is_no_rgb_or_rgba_image_is_refused(reference):
    with pytest.raises(ColorizerError, match=r"the reference must be an \(h, w, 3\)"):
        ColorizeRequest(drawing(), reference=reference)


def test_a_hint_image_of_another_size_or_layout_is_refused():
    art = drawing()
    height, width = art.shape[:2]
    for shape in ((5, 5, 4), (height, width, 3), (height, width)):
        with pytest.raises(ColorizerError, match=f"of the drawing's size {width}×{height}"):
            ColorizeRequest(art, hint_image=np.zeros(shape, np.uint8))
    ColorizeRequest(art, hint_image=np.zeros((height, width, 4), np.uint8))


@pytest.mark.parametrize("model", ["", None, 3])
def test_a_model_that_is_no_name_is_refused(model):
    with pytest.raises(ColorizerError, match="expected auto, flat or a model's name"):
        ColorizeRequest(drawing(), model=model)


def test_the_ui_starts_from_the_schemas_defaults_and_ranges(qtbot):
    from colorizer_app.ui.engine_controls import WORKING_SIZES, EngineControls, EngineOptions
    from colorizer_app.ui.tag_panel import STEPS_PER_UNIT, TagPanel

    options = EngineOptions()
    assert (options.model, options.size, options.region_consistency) == (
        MODEL.default,
        WORKING_SIZE.default,
        REGION_CONSISTENCY.default,
    )
    assert all(WORKING_SIZE.admits(side) for side in WORKING_SIZES)
    controls = EngineControls()
    qtbot.addWidget(controls)
    assert controls.consistency.isChecked() is REGION_CONSISTENCY.default
    assert REGION_CONSISTENCY.description[1:] in controls.consistency.toolTip()
    panel = TagPanel()
    qtbot.addWidget(panel)
    row = panel._rows["blue_hair"]
    assert (row.slider.minimum(), row.slider.maximum()) == (
        TAG_VALUE.low * STEPS_PER_UNIT,
        TAG_VALUE.high * STEPS_PER_UNIT,
    )
    row.checkbox.click()
    assert row.value() == TAG_VALUE.default


def test_the_cli_defaults_are_the_requests():
    from colorizer_app.cli.colorize_options import add_colorize_options, parse_tags

    parser = argparse.ArgumentParser()
    add_colorize_options(parser)
    args = parser.parse_args([])
    request = ColorizeRequest(drawing())
    assert (args.model, args.size, args.region_consistency) == (
        request.model,
        request.size,
        request.region_consistency,
    )
    assert parse_tags(["blue_hair"]) == {"blue_hair": TAG_VALUE.default}
    assert parse_tags(["blue_hair=5"]) == {"blue_hair": TAG_VALUE.high}
    help_text = " ".join(parser.format_help().split())
    assert REGION_CONSISTENCY.description in help_text
    assert WORKING_SIZE.description in help_text


def test_the_scoreboard_commands_measure_without_region_consistency_unless_asked():
    from training.commands import eval as eval_command

    parser = argparse.ArgumentParser()
    eval_command.configure(parser)
    required = ["--model", "m", "--out", "o"]
    assert parser.parse_args(required).region_consistency is False
    assert parser.parse_args([*required, "--region-consistency"]).region_consistency is True
    help_text = " ".join(parser.format_help().split())
    assert REGION_CONSISTENCY.description in help_text and "off unless given" in help_text


def test_real_drawings_are_scored_with_the_apps_default_region_consistency():
    from training.commands import eval_real

    parser = argparse.ArgumentParser()
    eval_real.configure(parser)
    required = ["--model", "m", "--out", "o"]
    assert parser.parse_args(required).region_consistency is REGION_CONSISTENCY.default
    assert parser.parse_args([*required, "--no-region-consistency"]).region_consistency is False
    assert REGION_CONSISTENCY.description in " ".join(parser.format_help().split())
