"""``python -m reliability`` runs the same scenarios and prints the table."""

import pytest

from reliability.__main__ import main

pytestmark = pytest.mark.robustness


def test_the_command_prints_a_markdown_table(tmp_path, capsys):
    assert main(["--only", "loader", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| scenario | tried |" in out
    assert "| hostile images → loader |" in out and "| pass |" in out
