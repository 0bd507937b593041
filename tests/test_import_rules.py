"""The data-flow rules of docs/architecture.md §1, enforced through the import-linter contracts in
pyproject.toml: a wrong import fails CI."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_no_test_module_imports_another_or_a_conftest():
    """Shared fixtures live in conftest.py and shared helpers in plain modules: a test module
    imported elsewhere runs its tests twice, and fixtures imported by name need ``noqa``."""
    statement = re.compile(r"^\s*(from|import)\s+tests(\.\w+)*\.(test_\w+|conftest)\b", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if statement.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
