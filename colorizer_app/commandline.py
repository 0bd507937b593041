"""A command line assembled from self-registering subcommand modules.

Both ``colorizer-cli`` and ``python -m training`` use this: every module in a commands package
defines a module-level ``COMMAND = Subcommand(...)``, and ``run_cli`` discovers them, so a later
feature adds a file instead of editing a central switch. Keep the modules' top level light (import
torch inside ``run``) so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

from colorizer_app.errors import ColorizerError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its name, one-line help, how to add its arguments and how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


def discover(package: ModuleType) -> list[Subcommand]:
    """Every ``COMMAND`` defined by the modules of ``package``, sorted by name."""
    commands = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        command = getattr(module, "COMMAND", None)
        if isinstance(command, Subcommand):
            commands.append(command)
    return sorted(commands, key=lambda c: c.name)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit 2 with one line, not the whole usage text."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser(prog: str, description: str, package: ModuleType) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description=description)
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in discover(package):
        child = sub.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.configure(child)
        child.set_defaults(_run=command.run)
    return parser


def run_cli(prog: str, description: str, package: ModuleType, argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and run the chosen subcommand; returns the exit code.

    0 done, 2 bad input or usage (one line on stderr), 1 internal error (traceback only with
    ``--debug``). Never raises, so tests can call it in-process.
    """
    parser = build_parser(prog, description, package)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.debug:  # our own modules in detail, third-party libraries (matplotlib, PIL) less so
        for ours in ("colorizer_app", "training"):
            logging.getLogger(ours).setLevel(logging.DEBUG)
    try:
        return int(args._run(args) or 0)
    except ColorizerError as error:
        if args.debug:
            traceback.print_exc()
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            traceback.print_exc()
        print(
            f"{prog}: internal error: {type(error).__name__}: {error} (rerun with --debug)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
