"""The README's commands are what CI runs, so they stay true at every commit."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    command = next(line for line in ci_lines if "pytest" in line)
    assert command in (ROOT / "README.md").read_text()


def test_readme_has_an_app_command_that_launches_colorizer():
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e . && .venv/bin/colorizer" in readme
