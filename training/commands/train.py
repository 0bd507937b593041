"""``python -m training train RECIPE …``: train (or resume, or fine-tune) one recipe."""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.commandline import Subcommand
from colorizer_app.errors import ColorizerError

EPILOG = """examples:
  python -m training train unified --config small --size 128 --minutes 30 --out runs/unified
  python -m training train unified --config small --size 128 --minutes 30 --out runs/unified \
      --resume
  python -m training train tag2pix --config tiny --steps 20 --out runs/t --ablation decoder=se
  torchrun --standalone --nproc_per_node=4 -m training train unified --config small --steps 20000 \\
      --out runs/unified   # DistributedDataParallel: NCCL on GPUs, gloo on CPU
"""


def _ablation(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected SWITCH=VALUE, not {text!r}")
    return key, value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("recipe", help="recipe name (see `python -m training list`)")
    parser.add_argument("--config", default="small", help="network size: paper, small or tiny")
    parser.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (generated on the fly), 'shards:DIR' (make-shards) or a "
        "folder of illustrations with tag sidecars",
    )
    parser.add_argument("--size", type=int, default=128, help="training resolution (pixels)")
    budget = parser.add_argument_group("budget (give one or both; the first reached ends the run)")
    budget.add_argument(
        "--steps", type=int, help="optimizer steps (with --resume: in all, not more)"
    )
    budget.add_argument(
        "--minutes",
        type=float,
        help="wall-clock minutes of training (with --resume: in all, the earlier chunks' "
        "minutes included: 60 then --resume --minutes 105 trains 45 more)",
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument(
        "--out", type=Path, required=True, help="run folder (logs, checkpoint, models)"
    )
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument("--init", type=Path, help="start from this model file (fine-tuning)")
    parser.add_argument(
        "--tagger",
        type=Path,
        help="pre-trained tagger model file (from the `tagger` recipe) for the "
        "recipe's frozen feature extractors",
    )
    parser.add_argument(
        "--ablation",
        type=_ablation,
        action="append",
        default=[],
        metavar="SWITCH=VALUE",
        help="recipe switch, repeatable (see `list`)",
    )
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--no-amp", action="store_true", help="no mixed precision on GPUs")
    parser.add_argument("--workers", type=int, default=0, help="data-loading processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--eval-every",
        type=int,
        default=0,
        help="run the scoreboard every N steps (0: only at the end)",
    )
    parser.add_argument("--eval-samples", type=int, default=32)
    parser.add_argument(
        "--checkpoint-every", type=int, default=200, help="steps between checkpoints"
    )


def run(args: argparse.Namespace) -> int:
    from training.loop import TrainOptions, train
    from training.scoreboard_hook import periodic_scoreboard

    if args.steps is None and args.minutes is None:
        raise ColorizerError("give a budget: --steps N and/or --minutes M")
    options = TrainOptions(
        recipe=args.recipe,
        out=args.out,
        config=args.config,
        data=args.data,
        size=args.size,
        steps=args.steps,
        minutes=args.minutes,
        batch_size=args.batch_size,
        resume=args.resume,
        init=args.init,
        tagger=args.tagger,
        ablation=dict(args.ablation),
        device=args.device,
        amp=not args.no_amp,
        workers=args.workers,
        seed=args.seed,
        eval_every=args.eval_every,
        eval_samples=args.eval_samples,
        checkpoint_every=args.checkpoint_every,
    )
    out = train(options, evaluate=periodic_scoreboard(args.eval_samples, args.size))
    print(f"run written to {out}")
    return 0


COMMAND = Subcommand(
    "train", "train a recipe on synthetic data, shards or a folder", configure, run
)
