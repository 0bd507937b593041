"""The shared subcommand registry: discovery, exit codes, one-line errors."""

import sys

import pytest

from colorizer_app.commandline import run_cli


@pytest.fixture()
def fake_package(monkeypatch, tmp_path):
    """A commands package with one module that raises what it is told to."""
    package_dir = tmp_path / "fake_commands"
    package_dir.mkdir()
    (package_dir / "__init__.py").write_text("")
    (package_dir / "boom.py").write_text(
        "from colorizer_app.commandline import Subcommand\n"
        "from colorizer_app.errors import ColorizerError\n"
        "def configure(p):\n    p.add_argument('what')\n"
        "def run(a):\n"
        "    if a.what == 'user': raise ColorizerError('the file x.png is not an image')\n"
        "    if a.what == 'bug': raise ValueError('oops')\n"
        "    print('ok ' + a.what)\n    return 0\n"
        "COMMAND = Subcommand('boom', 'explode on demand', configure, run)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import fake_commands

    yield fake_commands
    sys.modules.pop("fake_commands", None)
    sys.modules.pop("fake_commands.boom", None)


def test_discovered_command_runs(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["boom", "fine"]) == 0
    assert capsys.readouterr().out == "ok fine\n"


def test_user_error_exits_2_with_one_line(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["boom", "user"]) == 2
    err = capsys.readouterr().err
    assert err == "prog: error: the file x.png is not an image\n"


def test_internal_error_exits_1_without_traceback(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["boom", "bug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "ValueError: oops" in err


def test_debug_shows_traceback(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["--debug", "boom", "bug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_usage_error_exits_2(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["nosuch"]) == 2
    assert run_cli("prog", "d", fake_package, []) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_help_exits_0(fake_package, capsys):
    assert run_cli("prog", "d", fake_package, ["--help"]) == 0
    assert "explode on demand" in capsys.readouterr().out
