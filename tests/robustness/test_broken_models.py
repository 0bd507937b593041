"""Broken model files: refused with one line, never unpickled; colors still come (flat fill)."""

import pytest

from reliability import app_scenarios, broken_models
from reliability.broken_models import BROKEN_MODELS
from tests.robustness.outcomes import passed

pytestmark = pytest.mark.robustness


def test_the_registry_refuses_each_and_auto_falls_back(tmp_path):
    outcome = broken_models.registry_scenario(tmp_path)
    assert passed(outcome)
    assert outcome.tried == len(BROKEN_MODELS)


def test_the_cli_refuses_a_named_broken_model_and_lists_the_refusals(tmp_path):
    assert passed(broken_models.cli_scenario(tmp_path))


def test_the_app_falls_back_to_flat_fill_and_says_so(qapp, tmp_path):
    assert passed(app_scenarios.app_model_fallback_scenario(tmp_path))


def test_the_pickle_kind_would_run_code_if_unpickled(tmp_path):
    """The scenario's proof is real: unpickling that file does create the marker."""
    import pickle

    broken_models.make_broken_models(tmp_path)
    data = (tmp_path / "user" / "pickle.safetensors").read_bytes()
    pickle.loads(data)
    assert (tmp_path / "user" / "PWNED").exists()
