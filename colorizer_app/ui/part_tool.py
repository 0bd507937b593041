"""The part tool's menu and the Parts view's words: which part an area is, in the artist's
terms. Clicking an area with the part tool opens a menu of the vocabulary's parts, each with
its color in the Parts view (as the view's legend shows them); the status bar names the part
under the cursor while the Parts view is shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QWidget

from colorizer_app.engine.request import PartMap
from colorizer_app.imaging.parts import LOW_CONFIDENCE, part_colors
from colorizer_app.vocabulary import load_vocabulary


def part_title(name: str) -> str:
    """'eye_whites' → 'Eye whites'."""
    return name.replace("_", " ").capitalize()


def part_swatch(rgb: Sequence[int], side: int) -> QPixmap:
    """A part's Parts-view color as a square swatch, outlined in gray so that the
    background's white shows on a light menu or legend."""
    swatch = QPixmap(side, side)
    swatch.fill(QColor(120, 120, 120))
    painter = QPainter(swatch)
    painter.fillRect(1, 1, side - 2, side - 2, QColor(*(int(v) for v in rgb)))
    painter.end()
    return swatch


def part_menu(parent: QWidget, choose: Callable[[str], None]) -> QMenu:
    """A menu of every part, each with its Parts-view swatch; choosing one calls ``choose``."""
    names = load_vocabulary().parts
    menu = QMenu("This area is…", parent)
    menu.setToolTipsVisible(True)
    for name, rgb in zip(names, part_colors(names), strict=True):
        action = menu.addAction(QIcon(part_swatch(rgb, 14)), part_title(name))
        action.setToolTip(f"Color this closed area as {part_title(name).lower()}")
        action.triggered.connect(lambda _=False, n=name: choose(n))
    return menu


def part_under(parts: PartMap, x: int, y: int) -> str:
    """What the status bar says of the pixel (x, y): its part, and whether the network is
    unsure of it (an area worth checking)."""
    name = part_title(parts.names[int(parts.parts[y, x])])
    return name + (" (unsure)" if parts.confidence[y, x] < LOW_CONFIDENCE else "")
