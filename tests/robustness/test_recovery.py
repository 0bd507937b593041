"""The real app, killed with SIGKILL after its last edit, gives every edit back."""

import os

import pytest

from reliability import recovery
from tests.robustness.outcomes import passed

pytestmark = pytest.mark.robustness


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_every_completed_edit_is_restored_after_sigkill(tmp_path):
    outcome = recovery.crash_recovery_scenario(tmp_path, edits=12, autosave_interval=0.3)
    assert passed(outcome)
    assert outcome.tracebacks == 0 and outcome.result.startswith("all edits back")


def test_the_edits_cover_every_kind():
    kinds = {next(iter(edit)) for edit in recovery.crash_edits(12)}
    assert {"stroke", "fill", "tag", "undo", "save"} <= kinds
