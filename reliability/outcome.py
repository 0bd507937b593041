"""What a scenario measured, how it is printed, and the measuring helpers the scenarios share."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """The figures of one scenario. ``problems`` lists each way it fell short, one line each;
    a scenario passes when there are none."""

    scenario: str
    tried: int = 0  # inputs, events or runs put through it
    crashes: int = 0  # exceptions that escaped, internal errors, exit codes 1
    tracebacks: int = 0  # "Traceback" shown to the user (stderr)
    memory_mb: float | None = None  # growth (or peak, see ``result``) in MB
    result: str = ""  # the headline figure, in words
    seconds: float = 0.0  # wall time of the scenario (set by the runner)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.crashes == 0 and self.tracebacks == 0

    def expect(self, condition: bool, problem: str) -> bool:
        """Records ``problem`` unless ``condition`` holds; returns ``condition``."""
        if not condition:
            self.problems.append(problem)
        return condition


def markdown_table(outcomes: Sequence[Outcome]) -> str:
    lines = [
        "| scenario | tried | crashes | tracebacks | memory (MB) | time (s) | result | verdict |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for outcome in outcomes:
        memory = "—" if outcome.memory_mb is None else f"{outcome.memory_mb:.1f}"
        verdict = "pass" if outcome.ok else "FAIL: " + "; ".join(outcome.problems[:3])
        lines.append(
            f"| {outcome.scenario} | {outcome.tried} | {outcome.crashes} | "
            f"{outcome.tracebacks} | {memory} | {outcome.seconds:.1f} | {outcome.result} | "
            f"{verdict} |"
        )
    return "\n".join(lines)


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux: /proc; elsewhere the peak so far)."""
    with contextlib.suppress(OSError), open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1e6 if sys.platform == "darwin" else 1e3)


def is_one_line(message: str) -> bool:
    """A user-facing message: one non-empty line, no traceback."""
    return bool(message.strip()) and "\n" not in message.strip() and "Traceback" not in message


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cli(argv: Sequence[str]) -> CliRun:
    """``colorizer-cli ARGV`` in this process, its output captured."""
    from colorizer_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return CliRun(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Sets environment variables for the block, then restores them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
