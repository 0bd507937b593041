"""``python -m training list``: the recipes, their configs and ablation switches."""

from __future__ import annotations

import argparse

from colorizer_app.commandline import Subcommand


def run(args: argparse.Namespace) -> int:
    from training.recipes import available

    for name, cls in available().items():
        print(f"{name:<12} {cls.description}")
        print(f"{'':<12} configs: {', '.join(cls.configs)}")
        for switch, values in cls.ablations.items():
            print(f"{'':<12} --ablation {switch}={'|'.join(values)}  (default {values[0]})")
    return 0


COMMAND = Subcommand(
    "list", "list the recipes, their configs and ablation switches", lambda parser: None, run
)
