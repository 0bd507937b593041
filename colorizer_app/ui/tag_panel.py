"""The color-tag panel: every color tag (CVT) of the vocabulary as a toggle with a 0–5 slider,
grouped by the region-map parts the data engine uses, searchable. Groups come in the order
artists reach for them (hair and eyes first, background last), not the vocabulary's.

A value means what docs/architecture.md §3 says (``vocabulary.target_color`` is its one
implementation): a part's color is the CIELAB mix of its ticked tags weighted by their values, below
1 a tag blends with the part's color from strokes or the reference, above 1 the color grows more
vivid. Each row's swatch and each group's header show that target color, so the slider's effect is
visible before the model answers. Shape tags (CIT) are absent: the models infer them from the line
art.

``tagsChanging`` fires live while a slider is dragged (the preview follows the hand);
``tagsChanged`` fires once per finished gesture, which is what the undo history records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import qtawesome as qta
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorizer_app.engine.request import FLAT, TAG_VALUE
from colorizer_app.vocabulary import BACKGROUND, Tag, Vocabulary, load_vocabulary, target_color

log = logging.getLogger(__name__)

STEPS_PER_UNIT = 100  # slider resolution: 0.01
# The parts artists tag most, first: character, then clothes top to bottom, then accessories.
# Parts a newer vocabulary adds follow in its order; the background always comes last.
PART_ORDER = (
    "hair",
    "eyes",
    "skin",
    "top",
    "bottom",
    "legwear",
    "footwear",
    "hat",
    "bow",
    "neckwear",
    "gloves",
)
LAST_PART = BACKGROUND
FLAT_NOTICE = "Tags need a neural model; flat fill uses strokes only"


def panel_order(parts: Iterable[str]) -> list[str]:
    """``parts`` in the panel's order (``PART_ORDER``, the others, the background)."""
    parts = list(parts)
    known = [part for part in PART_ORDER if part in parts]
    others = [part for part in parts if part not in PART_ORDER and part != LAST_PART]
    return known + others + ([LAST_PART] if LAST_PART in parts else [])


def pretty(name: str) -> str:
    return name.replace("_", " ")


def _swatch(label: QLabel, rgb: tuple[int, int, int] | None) -> None:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*rgb) if rgb else QColor(0, 0, 0, 0))
    label.setPixmap(pixmap)


def _explanation(tag: Tag) -> str:
    part = pretty(tag.part or "")
    return (
        f"{pretty(tag.name)}: {tag.colors[0]} for the {part}.\n"
        f"Tick for 1, exactly this color. Several {part} tags mix by their values "
        f"(red 0.5 + blonde 0.5 gives strawberry blonde).\n"
        f"Below 1 the tag blends with the {part} color of your strokes or the reference "
        f"(or the model's own choice).\n"
        f"Above 1 the color grows more vivid, up to {TAG_VALUE.high:g}."
    )


class _TagRow(QWidget):
    """One tag: checkbox, swatch, slider, value. ``edited(name, value or None, final)``."""

    edited = Signal(str, object, bool)

    def __init__(self, tag: Tag, vocabulary: Vocabulary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag, self._vocabulary = tag, vocabulary
        self.haystack = f"{pretty(tag.name)} {pretty(tag.part or '')} {pretty(tag.group)}".lower()
        self.checkbox = QCheckBox(pretty(tag.name), self)
        self.swatch = QLabel(self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(
            round(TAG_VALUE.low * STEPS_PER_UNIT), round(TAG_VALUE.high * STEPS_PER_UNIT)
        )
        self.slider.setPageStep(STEPS_PER_UNIT // 4)
        self.slider.setMinimumWidth(80)
        self.number = QLabel(self)
        self.number.setMinimumWidth(30)
        self.number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 0, 2, 0)
        layout.addWidget(self.swatch)
        layout.addWidget(self.checkbox)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.number)
        self._quiet = False
        self.set_supported(True, "")
        self.set_value(None)
        self.checkbox.toggled.connect(self._toggled)
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderReleased.connect(self._released)

    def value(self) -> float | None:
        return self.slider.value() / STEPS_PER_UNIT if self.checkbox.isChecked() else None

    def set_value(self, value: float | None) -> None:
        self._quiet = True
        try:
            self.checkbox.setChecked(value is not None)
            self.slider.setValue(round(min(value or 0.0, TAG_VALUE.high) * STEPS_PER_UNIT))
        finally:
            self._quiet = False
        self._show(value)

    def set_supported(self, supported: bool, reason: str) -> None:
        for widget in (self.checkbox, self.slider):
            widget.setEnabled(supported)
        self.setToolTip(_explanation(self.tag) if supported else reason)

    def _show(self, value: float | None) -> None:
        self.number.setText(f"{value:.2f}" if value is not None else "")
        rgb = target_color({self.tag.name: value}, self._vocabulary) if value else self.tag.rgb
        _swatch(self.swatch, rgb)

    def _toggled(self, checked: bool) -> None:
        if self._quiet:
            return
        self.set_value(TAG_VALUE.default if checked else None)
        self.edited.emit(self.tag.name, self.value(), True)

    def _slid(self, steps: int) -> None:
        if self._quiet:
            return
        value = steps / STEPS_PER_UNIT
        if value > 0 and not self.checkbox.isChecked():
            self._quiet = True
            self.checkbox.setChecked(True)
            self._quiet = False
        dragging = self.slider.isSliderDown()
        if value == 0 and not dragging:
            self.set_value(None)  # a keyboard step to 0 unticks at once
        self._show(value if self.checkbox.isChecked() else None)
        self.edited.emit(
            self.tag.name, value if value > 0 and self.checkbox.isChecked() else None, not dragging
        )

    def _released(self) -> None:
        if self.slider.value() == 0:
            self.set_value(None)  # dragged to 0: no request, so the tag is off
        self.edited.emit(self.tag.name, self.value(), True)


class _PartGroup(QWidget):
    """A collapsible group of one part's tags with its own clear button."""

    cleared = Signal(str)

    def __init__(
        self, part: str, rows: list[_TagRow], vocabulary: Vocabulary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.part, self.rows, self._vocabulary = part, rows, vocabulary
        self.expanded = True
        self.arrow = QToolButton(self)
        self.arrow.setAutoRaise(True)
        self.arrow.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.arrow.clicked.connect(lambda: self.set_expanded(not self.expanded))
        self.swatch = QLabel(self)
        self.swatch.setToolTip(f"The {pretty(part)} color these tags ask for")
        self.clear_button = QToolButton(self)
        self.clear_button.setIcon(qta.icon("mdi6.close-circle-outline"))
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip(f"Clear the {pretty(part)} tags")
        self.clear_button.clicked.connect(lambda: self.cleared.emit(self.part))
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.arrow, 1)
        header.addWidget(self.swatch)
        header.addWidget(self.clear_button)
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        for row in rows:
            body.addWidget(row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.body)
        self.refresh({})
        self.set_expanded(True)

    def set_expanded(self, expanded: bool) -> None:
        self.expanded = expanded
        self.body.setVisible(expanded)
        self.arrow.setIcon(qta.icon("mdi6.chevron-down" if expanded else "mdi6.chevron-right"))

    def refresh(self, values: Mapping[str, float]) -> None:
        """Header text and swatch for the current values of the whole panel."""
        mine = {row.tag.name: values[row.tag.name] for row in self.rows if row.tag.name in values}
        count = f"  ({len(mine)})" if mine else ""
        self.arrow.setText(pretty(self.part).capitalize() + count)
        _swatch(self.swatch, target_color(mine, self._vocabulary) if mine else None)
        self.clear_button.setEnabled(bool(mine))


class TagPanel(QWidget):
    """Emits ``tagsChanging(dict)`` live while a slider moves and ``tagsChanged(dict)`` once per
    finished edit; the dicts map tag name → value (> 0) in the order the tags were ticked."""

    tagsChanging = Signal(dict)
    tagsChanged = Signal(dict)

    def __init__(self, vocabulary: Vocabulary | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vocabulary = vocabulary or load_vocabulary()
        self._values: dict[str, float] = {}
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter tags (e.g. blue, hair)")
        self.filter.setClearButtonEnabled(True)
        self.filter.addAction(qta.icon("mdi6.magnify"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter.textChanged.connect(self._apply_filter)
        self.notice = QLabel(self)  # why every tag is greyed out, when they all are
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #8a6d00;")
        self.notice.hide()
        self._rows: dict[str, _TagRow] = {}
        self.groups: list[_PartGroup] = []
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        for part in panel_order(self.vocabulary.parts):
            rows = [
                _TagRow(tag, self.vocabulary, content) for tag in self.vocabulary.cvt_for_part(part)
            ]
            if not rows:
                continue
            for row in rows:
                self._rows[row.tag.name] = row
                row.edited.connect(self._edited)
            group = _PartGroup(part, rows, self.vocabulary, content)
            group.cleared.connect(self.clear_part)
            self.groups.append(group)
            column.addWidget(group)
        column.addStretch(1)
        # One label width for all rows, so that the sliders line up in a column.
        label_width = max(row.checkbox.sizeHint().width() for row in self._rows.values())
        for row in self._rows.values():
            row.checkbox.setFixedWidth(label_width)
        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.notice)
        layout.addWidget(self.filter)
        layout.addWidget(scroll, 1)

    def values(self) -> dict[str, float]:
        return dict(self._values)

    def set_values(self, values: Mapping[str, float]) -> None:
        """Shows ``values`` (undo, project open) without emitting. Names this vocabulary lacks
        are kept and passed on, so a project from a newer vocabulary loses nothing."""
        self._values = {name: float(value) for name, value in values.items() if value > 0}
        for name, row in self._rows.items():
            row.set_value(self._values.get(name))
        self._refresh_groups()

    def set_supported(self, names: Iterable[str] | None, model: str = "") -> None:
        """Enables only the tags the current model understands (None: all of them). ``model``
        names it for the explanations; ``FLAT`` (flat fill) understands no tags at all."""
        supported = None if names is None else set(names)
        who = f"The model “{model}”" if model else "The current model"
        if model == FLAT:
            supported, notice = set(), FLAT_NOTICE
        elif supported is not None and not supported & set(self._rows):
            notice = f"{who} takes no tags; choose one that does in the Engine panel"
        else:
            notice = ""
        self.notice.setText(notice)
        self.notice.setHidden(not notice)
        for name, row in self._rows.items():
            reason = (
                f"{FLAT_NOTICE}: choose a model in the Engine panel to use “{pretty(name)}”."
                if model == FLAT
                else f"{who} was not trained with “{pretty(name)}” and would ignore it; "
                "choose a model that knows this tag to use it."
            )
            row.set_supported(supported is None or name in supported, reason)

    def is_supported(self, name: str) -> bool:
        return self._rows[name].checkbox.isEnabled()

    def clear_part(self, part: str) -> None:
        """Unticks every tag of ``part``: one edit."""
        names = [
            name
            for name in self._values
            if name in self._rows and self._rows[name].tag.part == part
        ]
        if not names:
            return
        for name in names:
            del self._values[name]
            self._rows[name].set_value(None)
        self._refresh_groups()
        self.tagsChanged.emit(self.values())

    def visible_tags(self) -> list[str]:
        """The tags the filter leaves visible (in panel order)."""
        return [name for name, row in self._rows.items() if not row.isHidden()]

    def _edited(self, name: str, value: float | None, final: bool) -> None:
        if value is None:
            self._values.pop(name, None)
        else:
            self._values[name] = value
        self._refresh_groups()
        (self.tagsChanged if final else self.tagsChanging).emit(self.values())

    def _refresh_groups(self) -> None:
        for group in self.groups:
            group.refresh(self._values)

    def _apply_filter(self, text: str) -> None:
        terms = text.lower().replace("_", " ").split()
        for group in self.groups:
            shown = 0
            for row in group.rows:
                match = all(term in row.haystack for term in terms)
                row.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            # While searching every group opens; afterwards each returns to its own state.
            group.body.setVisible(bool(terms) or group.expanded)
