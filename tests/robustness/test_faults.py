"""Faults in the worker thread and on the disk: one message, nothing lost, the app goes on."""

import pytest

from reliability import app_scenarios, disk
from tests.robustness.outcomes import passed

pytestmark = pytest.mark.robustness


def test_worker_faults_give_one_message_and_the_next_request_works(qapp, tmp_path):
    outcome = app_scenarios.worker_faults_scenario(tmp_path)
    assert passed(outcome)
    assert outcome.tried == 5


def test_disk_faults_leave_earlier_files_intact_and_lose_nothing(qapp, tmp_path):
    outcome = disk.disk_faults_scenario(tmp_path)
    assert passed(outcome)
    assert outcome.tried == 2 * (4 + 1 + 1)  # per fault: four export kinds, save, autosave


def test_the_simulated_faults_do_fail_writes(tmp_path):
    from colorizer_app.errors import ColorizerError
    from colorizer_app.imaging.atomic import atomic_write_bytes

    for _, words, inject in disk.FAULTS:
        target = tmp_path / "file.bin"
        with inject(tmp_path), pytest.raises(ColorizerError, match=words):
            atomic_write_bytes(target, b"data")
        assert not target.exists()
