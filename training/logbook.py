"""Training logs: a CSV of every logged step, TensorBoard scalars, and a loss-curve PNG."""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path

log = logging.getLogger(__name__)


class Logbook:
    """Appends (step, name, value) rows to ``metrics.csv`` — a long format, so a resumed run just
    continues the file and new quantities (scoreboard columns) need no header change — and mirrors
    them to TensorBoard when the ``tensorboard`` package is installed."""

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = Path(folder)
        self.enabled = enabled
        self.csv_path = self.folder / "metrics.csv"
        self._writer = None
        if enabled:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._writer = SummaryWriter(str(self.folder / "tensorboard"))
            except ImportError:
                log.info("tensorboard is not installed; logging to CSV only")

    def log(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        is_new = not self.csv_path.exists()
        with self.csv_path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            if is_new:
                writer.writerow(["step", "name", "value"])
            writer.writerows([step, key, f"{float(value):.6g}"] for key, value in values.items())
        if self._writer is not None:
            for key, value in values.items():
                self._writer.add_scalar(key, value, step)
            self._writer.flush()

    def read(self) -> dict[str, list[tuple[int, float]]]:
        """Every logged quantity as its (step, value) series."""
        series: dict[str, list[tuple[int, float]]] = {}
        if self.csv_path.exists():
            with self.csv_path.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    series.setdefault(row["name"], []).append(
                        (int(row["step"]), float(row["value"]))
                    )
        return series

    def plot(self, path: Path | None = None) -> Path | None:
        """Writes one panel per logged quantity against the step (matplotlib, if installed)."""
        series = self.read()
        if not self.enabled or not series:
            return None
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            log.info("matplotlib is not installed; no loss-curve PNG")
            return None
        keys = sorted(series)
        cols = min(4, len(keys))
        grid_rows = math.ceil(len(keys) / cols)
        figure, axes = plt.subplots(
            grid_rows, cols, figsize=(4 * cols, 2.6 * grid_rows), squeeze=False
        )
        for axis, key in zip(axes.flat, keys, strict=False):
            points = series[key]
            axis.plot([p[0] for p in points], [p[1] for p in points], linewidth=1)
            axis.set_title(key, fontsize=9)
            axis.tick_params(labelsize=7)
        for axis in list(axes.flat)[len(keys) :]:
            axis.axis("off")
        figure.tight_layout()
        target = Path(path or self.folder / "loss_curves.png")
        figure.savefig(target, dpi=90)
        plt.close(figure)
        return target

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
