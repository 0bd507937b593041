"""Suite-wide settings: offscreen Qt, one torch thread (CI has two cores), fixed seeds, and no
shipped models unless a test names ``resources/models`` itself (tests/training/
test_shipped_models.py does): the behaviour under test must not change when a model ships."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _no_shipped_models(tmp_path_factory, monkeypatch):
    from colorizer_app.engine import registry

    monkeypatch.setattr(registry, "MODELS_DIR", tmp_path_factory.mktemp("no-shipped-models"))
