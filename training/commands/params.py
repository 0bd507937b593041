"""``python -m training params``: parameter counts of every network, checked against the papers.

One row per paper-size network that a family lists in ``paper_param_targets()`` (with the count
from the paper or its official code, and the deviation), then one row per CPU-size preset of
every registered network (``small``, ``tiny``, …). Everything is built on the ``meta`` device,
so nothing is allocated. Exits 1 when a paper network is more than ``TOLERANCE`` off its target.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from colorizer_app.commandline import EXIT_INTERNAL, EXIT_OK, Subcommand

TOLERANCE = 0.05


@dataclass(frozen=True)
class Row:
    network: str
    config: str
    params: int
    trainable: int
    target_millions: float | None
    modules: tuple[tuple[str, int], ...]  # (top-level child, params)

    @property
    def deviation(self) -> float | None:
        if self.target_millions is None:
            return None
        return self.params / 1e6 / self.target_millions - 1

    @property
    def off_target(self) -> bool:
        return self.deviation is not None and abs(self.deviation) > TOLERANCE


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--modules",
        action="store_true",
        help="also print the count of each network's top-level modules",
    )


def _count(network: str, config: str, builder: Callable[[], object], target: float | None) -> Row:
    import torch

    with torch.device("meta"):
        module = builder()
    return Row(
        network,
        config,
        params=sum(p.numel() for p in module.parameters()),
        trainable=sum(p.numel() for p in module.parameters() if p.requires_grad),
        target_millions=target,
        modules=tuple(
            (name, sum(p.numel() for p in child.parameters()))
            for name, child in module.named_children()
        ),
    )


def collect_rows() -> list[Row]:
    """Paper networks first (family by family), then every registered network's CPU presets."""
    from colorizer_app.nets.registry import ARCHITECTURES, families

    rows = []
    for family in families():
        module = importlib.import_module(f"colorizer_app.nets.{family}")
        for label, builder, target in getattr(module, "paper_param_targets", list)():
            rows.append(_count(label, "paper", builder, target))
    for architecture in ARCHITECTURES.values():
        for preset, config in architecture.named_configs().items():
            if not preset.startswith("paper"):
                rows.append(
                    _count(
                        architecture.name, preset, lambda a=architecture, c=config: a.build(c), None
                    )
                )
    return rows


def format_table(rows: list[Row], with_modules: bool = False) -> str:
    header = ("network", "config", "params (M)", "trainable (M)", "target (M)", "deviation")
    lines = []
    for row in rows:
        deviation = "" if row.deviation is None else f"{row.deviation:+.2%}"
        if row.off_target:
            deviation += "  OFF"
        target = "" if row.target_millions is None else f"{row.target_millions:.2f}"
        lines.append(
            (
                row.network,
                row.config,
                f"{row.params / 1e6:.3f}",
                f"{row.trainable / 1e6:.3f}",
                target,
                deviation,
            )
        )
        if with_modules:
            lines += [
                (f"  .{name}", "", f"{count / 1e6:.3f}", "", "", "") for name, count in row.modules
            ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()
        for cells in [header, *lines]
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def run(args: argparse.Namespace) -> int:
    rows = collect_rows()
    print(format_table(rows, args.modules))
    off = [row for row in rows if row.off_target]
    for row in off:
        print(
            f"{row.network}: {row.params / 1e6:.3f} M is {row.deviation:+.2%} off the paper's "
            f"{row.target_millions:.2f} M (tolerance ±{TOLERANCE:.0%})"
        )
    return EXIT_INTERNAL if off else EXIT_OK


COMMAND = Subcommand(
    "params",
    "print the parameter count of every network and check the paper sizes",
    configure,
    run,
    description="Print a table of every network's parameter count: the paper-size networks with "
    f"the count of the paper or its official code and the deviation (exit 1 if any is more than "
    f"{TOLERANCE:.0%} off), then the CPU-size presets (small, tiny, ...) of every network.",
)
