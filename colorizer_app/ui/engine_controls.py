"""The engine controls: which model, which device, the working resolution, region consistency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QWidget

from colorizer_app.engine.devices import available_devices
from colorizer_app.engine.pipeline import ModelInfo
from colorizer_app.engine.request import (
    AUTO,
    FLAT,
    MODEL,
    REGION_CONSISTENCY,
    WORKING_SIZE,
)

WORKING_SIZES = (256, 384, 512, 768, 1024)


@dataclass(frozen=True)
class EngineOptions:
    model: str = MODEL.default
    device: str = "auto"
    size: int | None = WORKING_SIZE.default  # None: the engine chooses (pipeline.working_side)
    region_consistency: bool = REGION_CONSISTENCY.default


def _sentence(description: str) -> str:
    """A setting's description as a tooltip: from a capital letter."""
    return description[:1].upper() + description[1:]


class EngineControls(QWidget):
    """Edits EngineOptions; ``changed`` fires on every edit."""

    changed = Signal(object)  # EngineOptions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QComboBox()
        self.model.setToolTip(
            "Auto picks the best installed model for the hints you give; "
            "Flat fill colors each closed area from your strokes, no network"
        )
        self.device = QComboBox()
        self.device.setToolTip("Where the model runs: Auto prefers a GPU")
        self.device.addItem("Auto", "auto")
        for name in available_devices():
            self.device.addItem(name.upper() if name != "cpu" else "CPU", name)
        self.resolution = QComboBox()
        self.resolution.setToolTip(_sentence(WORKING_SIZE.description))
        self.resolution.addItem("Model default", None)
        for side in WORKING_SIZES:
            self.resolution.addItem(f"{side} px", side)
        self.consistency = QCheckBox(REGION_CONSISTENCY.name.capitalize())
        self.consistency.setToolTip(_sentence(REGION_CONSISTENCY.description))
        self.consistency.setChecked(EngineOptions.region_consistency)
        layout = QFormLayout(self)
        layout.addRow("Model", self.model)
        layout.addRow("Device", self.device)
        layout.addRow("Resolution", self.resolution)
        layout.addRow(self.consistency)
        self.set_models([])
        for combo in (self.model, self.device, self.resolution):
            combo.currentIndexChanged.connect(self._emit)
        self.consistency.toggled.connect(self._emit)

    def set_models(self, models: Sequence[ModelInfo]) -> None:
        """Offers Auto, each usable neural model, then Flat fill; keeps the choice if it stays."""
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItem("Auto", AUTO)
        for info in models:
            if info.name == FLAT:
                continue
            label = f"{info.name} ({', '.join(sorted(info.accepts))})"
            self.model.addItem(label + (" — default" if info.default else ""), info.name)
        self.model.addItem("Flat fill", FLAT)
        index = self.model.findData(current)
        self.model.setCurrentIndex(max(index, 0))
        self.model.blockSignals(False)

    def options(self) -> EngineOptions:
        return EngineOptions(
            model=self.model.currentData(),
            device=self.device.currentData(),
            size=self.resolution.currentData(),
            region_consistency=self.consistency.isChecked(),
        )

    def set_options(self, options: EngineOptions) -> None:
        for combo, value in (
            (self.model, options.model),
            (self.device, options.device),
            (self.resolution, options.size),
        ):
            index = combo.findData(value)
            if index >= 0:
                combo.setCurrentIndex(index)
        self.consistency.setChecked(options.region_consistency)

    def _emit(self) -> None:
        self.changed.emit(self.options())
