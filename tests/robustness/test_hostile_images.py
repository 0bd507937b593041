"""Hostile and odd images through the loader, ``colorizer-cli colorize``, ``batch`` and Open."""

import pytest

from reliability import app_scenarios, inputs
from reliability.hostile_images import COLORED, HOSTILE_IMAGES, REFUSED
from tests.robustness.outcomes import passed

pytestmark = pytest.mark.robustness


def test_at_least_25_kinds_both_colored_and_refused():
    names = [kind.name for kind in HOSTILE_IMAGES]
    assert len(set(names)) == len(names) >= 25
    assert {kind.expect for kind in HOSTILE_IMAGES} == {COLORED, REFUSED}
    assert sum(kind.bomb for kind in HOSTILE_IMAGES) >= 3


def test_loader_colors_or_refuses_each_and_never_decodes_a_bomb(hostile_folder):
    outcome = inputs.loader_scenario(hostile_folder)
    assert passed(outcome)
    assert outcome.tried == len(HOSTILE_IMAGES) and outcome.memory_mb < 16


def test_cli_colorize_with_flat_fill_and_a_model(hostile_folder, models_folder):
    outcome = inputs.cli_colorize_scenario(hostile_folder, models_folder)
    assert passed(outcome)
    assert outcome.tried == 2 * len(HOSTILE_IMAGES) and outcome.crashes == outcome.tracebacks == 0


def test_cli_batch_reports_and_skips_the_bad_ones(hostile_folder, models_folder):
    assert passed(inputs.batch_scenario(hostile_folder, models_folder))


def test_app_open_refuses_with_one_dialog_and_keeps_the_document(qapp, hostile_folder):
    outcome = app_scenarios.app_open_scenario(hostile_folder)
    assert passed(outcome)
    assert outcome.tried == len(HOSTILE_IMAGES)
