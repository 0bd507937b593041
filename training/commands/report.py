"""``python -m training report``: re-run the papers' comparisons and write docs/results.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.commandline import Subcommand

EPILOG = """examples:
  python -m training report --list                  # the plan, with each run's exact command
  OMP_NUM_THREADS=1 python -m training report       # everything (about 40 minutes on one thread)
  python -m training report --only yan              # one paper's rows (others stay cached)
  python -m training report --markdown-only         # rewrite the page from the cached runs
"""


def configure(parser: argparse.ArgumentParser) -> None:
    from training.report.experiments import DEFAULT_STEPS, PAPERS

    parser.epilog = EPILOG
    parser.add_argument(
        "--steps",
        type=int,
        default=DEFAULT_STEPS,
        help="optimizer steps of every row (a --work folder holds one value)",
    )
    parser.add_argument("--seeds", type=int, default=2, help="seeds of the headline rows")
    parser.add_argument(
        "--eval-samples", type=int, default=100, help="eval-v1 drawings each run is scored on"
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("runs/report"),
        help="run folders: WORK/ROW/seed-N (the cache)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("docs/results.md"),
        help="the page; montages go to its folder's results/",
    )
    parser.add_argument("--only", choices=PAPERS, help="run only this paper's rows")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--list",
        action="store_true",
        help="print the plan (cached or to run, and each command) and stop",
    )
    mode.add_argument(
        "--markdown-only",
        action="store_true",
        help="write the page from the cached runs, train nothing",
    )


def run(args: argparse.Namespace) -> int:
    from colorizer_app.errors import ColorizerError
    from training.report.experiments import plan
    from training.report.markdown import write_report
    from training.report.runner import Runner, Settings

    for name in ("steps", "seeds", "eval_samples", "batch_size"):
        if getattr(args, name) < 1:
            raise ColorizerError(f"--{name.replace('_', '-')} must be at least 1")
    settings = Settings(
        work=args.work,
        steps=args.steps,
        seeds=args.seeds,
        eval_samples=args.eval_samples,
        batch_size=args.batch_size,
        device=args.device,
    )
    chosen = plan(args.only)
    runner = Runner(settings, chosen)
    todo = [
        (row, seed) for row in chosen.order() for seed in range(chosen.seeds(row.id, args.seeds))
    ]
    if args.list:
        for row, seed in todo:
            state = "cached " if runner.cached(row.id, seed) else "to run "
            print(f"{state} {row.id} seed {seed}: {runner.command(row, seed)}")
        print(f"{sum(runner.cached(r.id, s) is None for r, s in todo)} of {len(todo)} runs to go")
        return 0
    if not args.markdown_only:
        for i, (row, seed) in enumerate(todo, 1):
            result = runner.ensure(row.id, seed)
            print(
                f"[{i}/{len(todo)}] {row.id} seed {seed}: trained in "
                f"{result.train_seconds:.0f} s, scored in {result.eval_seconds:.0f} s"
            )
    full = plan()
    out = write_report(full, Runner(settings, full), args.out)
    print(f"wrote {out}")
    return 0


COMMAND = Subcommand(
    "report", "re-run the papers' comparisons and write docs/results.md", configure, run
)
