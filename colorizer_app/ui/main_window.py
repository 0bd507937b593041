"""The main window: puts canvas, tools, panels and the worker together around one document.

Every edit goes one way: a tool, panel or replay script builds the next ``DocumentState`` and
hands it to the history (``undo.DocumentHistory``); the history's ``stateChanged`` then updates
the canvas and panels and asks the worker for colors (150 ms after the last stroke, at once while
a slider drags). Results come back by signal and fill the canvas's result layers.
"""

from __future__ import annotations

import enum
import logging
import platform
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import qtawesome as qta
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QPointF, QSettings, QSignalBlocker, Qt, QTimer, qVersion
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QCursor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorizer_app import __version__
from colorizer_app.document.journal import Journal, RecoverableSession
from colorizer_app.document.project import (
    PROJECT_SUFFIX,
    is_project_file,
    open_project,
    save_project,
)
from colorizer_app.document.state import DocumentState
from colorizer_app.engine.pipeline import Engine, ModelInfo
from colorizer_app.engine.request import (
    AUTO,
    FLAT,
    REFERENCE_STRENGTH,
    ColorizeRequest,
    ColorizeResult,
)
from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.finished_picture import extract_lines, looks_finished
from colorizer_app.imaging.hints import Fill, Hints, PartMark, Stroke
from colorizer_app.imaging.layers import Layer
from colorizer_app.imaging.loader import IMAGE_SUFFIXES, load_image
from colorizer_app.imaging.palette import Palette, palette_of
from colorizer_app.imaging.parts import parts_layer
from colorizer_app.ui.canvas import Canvas, View
from colorizer_app.ui.color_picker import ColorPicker
from colorizer_app.ui.engine_controls import EngineControls, EngineOptions
from colorizer_app.ui.export_dialog import ExportDialog
from colorizer_app.ui.palette_panel import PalettePanel
from colorizer_app.ui.part_legend import PartLegend
from colorizer_app.ui.part_tool import part_menu, part_under
from colorizer_app.ui.reference_panel import IMAGE_FILTER, IMAGE_PATTERNS, ReferencePanel
from colorizer_app.ui.reference_parts import ReferencePartColors
from colorizer_app.ui.samples import WelcomePanel, sample_files, sample_title
from colorizer_app.ui.tag_panel import TagPanel
from colorizer_app.ui.tools import ToolController, ToolKind
from colorizer_app.ui.undo import DocumentHistory
from colorizer_app.ui.worker import EngineFactory, WorkerThread, WorkOrder

log = logging.getLogger(__name__)

OPEN_FILTER = (
    f"Line art or project ({IMAGE_PATTERNS} *.ora);;{IMAGE_FILTER};;Colorizer projects (*.ora)"
)
REQUEST_DELAY_MS = 150
MAX_RECENT = 10


def default_engine_factory(device: str) -> Engine:
    return Engine(device=device)


def icon(name: str) -> QIcon:
    return qta.icon(f"mdi6.{name}", color="#404040", color_disabled="#a0a0a0")


class PictureChoice(enum.Enum):
    """What the artist does with a finished color picture opened as a drawing."""

    EXTRACT_LINES = "extract"  # its XDoG lines become the drawing, the picture its reference
    REFERENCE = "reference"  # the open drawing's reference
    AS_LINE_ART = "as-is"
    CANCEL = "cancel"


def _reference_strength(state: DocumentState) -> float:
    """The document's reference strength; one never set is the engine's default."""
    if state.reference_strength is None:
        return REFERENCE_STRENGTH.default
    return state.reference_strength


class MainWindow(QMainWindow):
    def __init__(
        self,
        engine_factory: EngineFactory | None = None,
        *,
        settings: QSettings | None = None,
        journal: Journal | None = None,
        autosave_interval: float = 60.0,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Colorizer")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.settings = settings if settings is not None else QSettings()
        self.journal = journal
        self.history = DocumentHistory(self)
        self.tools = ToolController(self)
        self.canvas = Canvas(self.tools)
        self.part_legend = PartLegend(self.canvas)
        self.result: ColorizeResult | None = None
        self.part_menu: QMenu | None = None  # the part tool's menu, while it is open
        self.result_request: ColorizeRequest | None = None
        self.models: list[ModelInfo] = []
        self.model_tags: dict[str, tuple[str, ...]] = {}
        self.device_name = "starting…"
        self.discard_on_close = False  # --replay quits without asking …
        self.dialogs_enabled = True  # … and reports errors without modal dialogs
        self._last_id = 0  # newest request submitted
        self._submitted: DocumentState | None = None
        # what the last request was sent with: the engine options, the reference strength and
        # the unticked reference parts
        self._submitted_options: EngineOptions | None = None
        self._errors_shown: set[str] = set()

        self.welcome = WelcomePanel()
        self.welcome.openRequested.connect(self.choose_file)
        self.welcome.sampleChosen.connect(self.open_file)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.canvas)
        self.setCentralWidget(self.stack)

        self.engine_controls = EngineControls()
        self.engine_controls.changed.connect(self._options_changed)
        self._request_timer = QTimer(self, singleShot=True, interval=REQUEST_DELAY_MS)
        self._request_timer.timeout.connect(self.request_colors)

        self._build_actions()
        self._build_menus()
        self._build_toolbars()
        self._build_docks()
        self._build_status_bar()
        self._connect()

        self.worker_thread = WorkerThread(engine_factory or default_engine_factory)
        worker = self.worker_thread.worker
        worker.ready.connect(self._engine_ready)
        worker.finished.connect(self._result_arrived)
        worker.failed.connect(self._request_failed)
        self.worker_thread.start()

        self._autosave_timer = QTimer(self, interval=max(1, int(autosave_interval * 1000)))
        if journal is not None:
            self._autosave_timer.timeout.connect(self._snapshot)
            self._autosave_timer.start()
        self._restore_window_state()
        self._update_enabled()

    # ------------------------------------------------------------------ building

    def _action(
        self,
        text: str,
        slot: Callable[..., object],
        shortcut: str | QKeySequence.StandardKey | list[str] | None = None,
        tip: str = "",
        icon_name: str = "",
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        shortcuts = shortcut if isinstance(shortcut, list) else ([shortcut] if shortcut else [])
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        keys = ", ".join(
            QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts
        )
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setStatusTip(tip)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a(
            "&Open…",
            self.choose_file,
            QKeySequence.StandardKey.Open,
            "Open line art or a Colorizer project",
            "folder-open-outline",
        )
        self.save_action = a(
            "&Save",
            self.save,
            QKeySequence.StandardKey.Save,
            "Save the project (.ora) with strokes, tags and reference",
            "content-save-outline",
        )
        self.save_as_action = a(
            "Save &As…", self.save_as, "Ctrl+Shift+S", "Save the project under a new name"
        )
        self.export_action = a(
            "&Export…",
            self.export,
            "Ctrl+E",
            "Export the colored layers: PNG, OpenRaster or Photoshop",
            "export",
        )
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit, "Quit Colorizer")
        self.undo_action = a(
            "&Undo",
            self.history.stack.undo,
            "Ctrl+Z",
            "Undo the last stroke, fill, tag or reference change",
            "undo",
        )
        self.redo_action = a(
            "&Redo",
            self.history.stack.redo,
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            "Redo what was undone",
            "redo",
        )
        self.clear_action = a(
            "&Clear Hints",
            self.clear_hints,
            "Delete",
            "Remove every stroke and fill (undoable)",
            "delete-sweep-outline",
        )
        self.tool_actions: dict[ToolKind, QAction] = {
            ToolKind.BRUSH: a(
                "&Brush",
                lambda: self.tools.set_tool(ToolKind.BRUSH),
                "B",
                "Paint color hints; a tablet's pressure sets the width",
                "brush",
                True,
            ),
            ToolKind.ERASER: a(
                "&Eraser",
                lambda: self.tools.set_tool(ToolKind.ERASER),
                "E",
                "Erase hints (the pen's eraser end works too)",
                "eraser",
                True,
            ),
            ToolKind.EYEDROPPER: a(
                "Eye&dropper",
                lambda: self.tools.set_tool(ToolKind.EYEDROPPER),
                "I",
                "Pick a color from the canvas or the reference picture "
                "(or hold Ctrl with any tool)",
                "eyedropper",
                True,
            ),
            ToolKind.FILL: a(
                "Region &Fill",
                lambda: self.tools.set_tool(ToolKind.FILL),
                "F",
                "Click a closed area of the line art to give it a color",
                "format-color-fill",
                True,
            ),
            ToolKind.PART: a(
                "Mark &Part",
                lambda: self.tools.set_tool(ToolKind.PART),
                "P",
                "Click a closed area, or brush over part of one, to say what it is (hair, "
                "skin, eyes…): its tag colors it",
                "puzzle-outline",
                True,
            ),
        }
        group = QActionGroup(self)
        for action in self.tool_actions.values():
            group.addAction(action)
        self.tool_actions[ToolKind.BRUSH].setChecked(True)
        self.sample_actions = {
            "canvas": a(
                "Sample What You &See",
                lambda: self._sample_from("canvas"),
                "",
                "The eyedropper picks the color shown on the canvas",
                checkable=True,
            ),
            "result": a(
                "Sample the Color &Result",
                lambda: self._sample_from("result"),
                "",
                "The eyedropper picks the model's color, without lines or hints",
                checkable=True,
            ),
        }
        samplers = QActionGroup(self)
        for action in self.sample_actions.values():
            samplers.addAction(action)
        self.sample_actions[self.tools.sample_source].setChecked(True)
        self.smaller_action = a("Smaller Brush", self.tools.shrink, "[", "Make the brush smaller")
        self.bigger_action = a("Bigger Brush", self.tools.grow, "]", "Make the brush bigger")
        self.zoom_in_action = a(
            "Zoom &In",
            lambda: self.canvas.zoom_by(2**0.5),
            ["+", "=", "Ctrl++"],
            "Zoom in",
            "magnify-plus-outline",
        )
        self.zoom_out_action = a(
            "Zoom &Out",
            lambda: self.canvas.zoom_by(2**-0.5),
            ["-", "Ctrl+-"],
            "Zoom out",
            "magnify-minus-outline",
        )
        self.zoom_fit_action = a(
            "&Fit to Window",
            self.canvas.fit,
            ["2", "Ctrl+0"],
            "Show the whole drawing",
            "fit-to-screen-outline",
        )
        self.zoom_100_action = a(
            "&Actual Pixels (100%)",
            self.canvas.actual_pixels,
            "1",
            "One drawing pixel per screen pixel",
            "numeric-1-box-outline",
        )
        self.layer_actions: dict[str, QAction] = {}
        for name, title, key in (
            ("hints", "&Hints", "H"),
            ("line art", "&Line Art", ""),
            ("color", "&Color Result", ""),
            ("flats", "&Flats", ""),
            ("parts", "&Parts", "Ctrl+3"),
        ):
            action = a(
                title,
                lambda checked, n=name: self.set_layer_visible(n, checked),
                key,
                f"Show or hide the {name} layer",
                checkable=True,
            )
            shown = next(layer for layer in self.canvas.layers if layer.name == name)
            action.setChecked(shown.visible)
            self.layer_actions[name] = action
        self.overlay_action = a(
            "&Overlay",
            lambda: self.canvas.set_view(View.OVERLAY),
            "Ctrl+1",
            "Hints and line art over the colors, in one view",
            "layers-outline",
            True,
        )
        self.side_action = a(
            "&Side by Side",
            lambda: self.canvas.set_view(View.SIDE_BY_SIDE),
            "Ctrl+2",
            "Line art with hints on the left, the result on the right",
            "compare",
            True,
        )
        views = QActionGroup(self)
        views.addAction(self.overlay_action)
        views.addAction(self.side_action)
        self.overlay_action.setChecked(True)
        self.about_action = a(
            "&About Colorizer",
            self.about,
            "",
            "Versions, device and the models loaded",
            "information-outline",
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.samples_menu = file_menu.addMenu("Open Sa&mple")
        self.samples_menu.setToolTipsVisible(True)
        for path in sample_files():
            action = self.samples_menu.addAction(sample_title(path))
            action.setToolTip(f"A line drawing that ships with Colorizer ({path.name})")
            action.triggered.connect(lambda _=False, p=str(path): self.open_file(p))
        file_menu.addSeparator()
        for action in (self.save_action, self.save_as_action, self.export_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        for action in (self.undo_action, self.redo_action):
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.clear_action)
        tools_menu = bar.addMenu("&Tools")
        for action in self.tool_actions.values():
            tools_menu.addAction(action)
        tools_menu.addSeparator()
        for action in self.sample_actions.values():
            tools_menu.addAction(action)
        tools_menu.addSeparator()
        tools_menu.addAction(self.smaller_action)
        tools_menu.addAction(self.bigger_action)
        view_menu = bar.addMenu("&View")
        for action in (
            self.zoom_in_action,
            self.zoom_out_action,
            self.zoom_fit_action,
            self.zoom_100_action,
        ):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.overlay_action)
        view_menu.addAction(self.side_action)
        view_menu.addAction(self.layer_actions["parts"])
        layers_menu = view_menu.addMenu("&Layers")
        for action in self.layer_actions.values():
            layers_menu.addAction(action)
        self.panels_menu = view_menu.addMenu("&Panels")
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)
        for menu in (file_menu, edit_menu, tools_menu, view_menu, layers_menu, help_menu):
            menu.setToolTipsVisible(True)

    def _build_toolbars(self) -> None:
        toolbox = self.addToolBar("Tools")
        toolbox.setObjectName("tools-toolbar")
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, toolbox)
        for action in self.tool_actions.values():
            toolbox.addAction(action)
        toolbox.addSeparator()
        toolbox.addAction(self.clear_action)

        options = self.addToolBar("Brush")
        options.setObjectName("brush-toolbar")
        for action in (self.open_action, self.save_action, self.export_action):
            options.addAction(action)
        options.addSeparator()
        options.addAction(self.undo_action)
        options.addAction(self.redo_action)
        options.addSeparator()
        self.color_button = QToolButton()
        self.color_button.setToolTip("The brush color — pick one in the Color panel")
        self.color_button.clicked.connect(lambda: self._raise_panel("color"))
        options.addWidget(self.color_button)
        options.addWidget(QLabel(" Size "))
        self.size_box = QDoubleSpinBox()
        self.size_box.setRange(1, 500)
        self.size_box.setDecimals(0)
        self.size_box.setSuffix(" px")
        self.size_box.setToolTip("Brush width in drawing pixels ([ and ])")
        self.size_box.valueChanged.connect(self.tools.set_size)
        options.addWidget(self.size_box)
        options.addWidget(QLabel(" Opacity "))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(1, 100)
        self.opacity_slider.setMaximumWidth(120)
        self.opacity_slider.setToolTip("Brush opacity: a faint hint nudges the color less")
        self.opacity_slider.valueChanged.connect(lambda v: self.tools.set_opacity(v / 100))
        options.addWidget(self.opacity_slider)
        options.addSeparator()
        for action in (
            self.zoom_fit_action,
            self.zoom_100_action,
            self.overlay_action,
            self.side_action,
        ):
            options.addAction(action)
        self._sync_brush()

    def _build_docks(self) -> None:
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.docks: dict[str, QDockWidget] = {}
        self.color_picker = ColorPicker()
        self.color_picker.setColor(self.tools.color)
        self.color_picker.colorChanged.connect(self.tools.set_color)
        self._add_dock("color", "Color", self.color_picker, right)
        self.tag_panel = TagPanel()
        self.tag_panel.tagsChanging.connect(lambda values: self.set_tags(values, final=False))
        self.tag_panel.tagsChanged.connect(lambda values: self.set_tags(values, final=True))
        self._add_dock("tags", "Color Tags", self.tag_panel, right)
        self.reference_panel = ReferencePanel()
        self.reference_panel.referenceChanged.connect(self.set_reference)
        self.reference_panel.mainColorsChanged.connect(self.color_picker.set_reference_colors)
        self.reference_panel.loadFailed.connect(
            lambda m: self.show_error("Cannot use the reference", m)
        )
        self.reference_panel.colorSampled.connect(self.tools.set_color)
        self.reference_parts = ReferencePartColors()
        self.reference_parts.edited.connect(self.set_reference_options)
        reference_box = QWidget()
        reference_layout = QVBoxLayout(reference_box)
        reference_layout.setContentsMargins(0, 0, 0, 0)
        reference_layout.addWidget(self.reference_panel)
        reference_layout.addWidget(self.reference_parts)
        reference = self._add_dock("reference", "Reference", reference_box, right)
        self.palette_panel = PalettePanel(self.settings)
        self.palette_panel.applyRequested.connect(self.set_palette)
        self.palette_panel.saveRequested.connect(self.save_palette)
        self.palette_panel.loadFailed.connect(
            lambda m: self.show_error("Cannot use the palette", m)
        )
        palettes = self._add_dock("palettes", "Palettes", self.palette_panel, right)
        engine = self._add_dock("engine", "Engine", self.engine_controls, right)
        self.tabifyDockWidget(reference, palettes)
        self.tabifyDockWidget(palettes, engine)
        reference.raise_()
        self.resizeDocks(
            [self.docks["color"], self.docks["tags"], reference],
            [300, 380, 220],
            Qt.Orientation.Vertical,
        )
        self.resizeDocks([self.docks["tags"]], [340], Qt.Orientation.Horizontal)

    def _add_dock(
        self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{key}-dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        toggle = dock.toggleViewAction()
        toggle.setToolTip(f"Show or hide the {title} panel")
        self.panels_menu.addAction(toggle)
        return dock

    def _raise_panel(self, key: str) -> None:
        if key in self.docks:
            self.docks[key].show()
            self.docks[key].raise_()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(110)
        self.busy.setMaximumHeight(14)
        self.busy.setToolTip("Coloring…")
        self.busy.hide()
        self.model_label = QLabel()
        self.position_label = QLabel()
        self.zoom_label = QLabel()
        for widget in (self.busy, self.model_label, self.position_label, self.zoom_label):
            status.addPermanentWidget(widget)

    def _connect(self) -> None:
        self.history.stateChanged.connect(self._state_changed)
        self.history.stack.cleanChanged.connect(self._update_title)
        self.history.stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.history.stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.tools.strokeFinished.connect(self._stroke_finished)
        self.tools.fillClicked.connect(self._fill_clicked)
        self.tools.partClicked.connect(self._part_clicked)
        self.tools.colorChanged.connect(self._color_changed)
        self.tools.settingsChanged.connect(self._sync_brush)
        self.tools.toolChanged.connect(self._tool_changed)
        self.canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        self.canvas.cursorMoved.connect(self._show_position)

    def _tool_changed(self, kind: ToolKind) -> None:
        self.tool_actions[kind].setChecked(True)
        self.reference_panel.set_sampling(kind is ToolKind.EYEDROPPER)

    def _sample_from(self, source: str) -> None:
        self.tools.sample_source = source

    def _color_changed(self, color: QColor) -> None:
        self.color_picker.setColor(color)
        self._sync_brush()

    def _sync_brush(self) -> None:
        pixmap = QPixmap(22, 22)
        pixmap.fill(self.tools.color)
        self.color_button.setIcon(QIcon(pixmap))
        with QSignalBlocker(self.size_box), QSignalBlocker(self.opacity_slider):
            self.size_box.setValue(self.tools.size)
            self.opacity_slider.setValue(round(self.tools.opacity * 100))
        self.canvas.update()

    # ------------------------------------------------------------------ documents

    @property
    def state(self) -> DocumentState | None:
        return self.history.state

    def choose_file(self) -> None:
        start = str(self.settings.value("last_folder", "", str))
        path, _ = QFileDialog.getOpenFileName(self, "Open line art or project", start, OPEN_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Opens line art or a project; a bad file gets a dialog and changes nothing. A finished
        color picture is offered as the reference, or its lines are extracted, as the artist
        chooses."""
        path = Path(path)
        try:
            if is_project_file(path):
                if not self._may_discard_changes():
                    return False
                state = open_project(path)
            else:
                loaded = load_image(path)
                choice = (
                    self.ask_about_finished_picture(path.name)
                    if looks_finished(loaded.pixels)
                    else PictureChoice.AS_LINE_ART
                )
                if choice is PictureChoice.CANCEL:
                    return False
                if choice is PictureChoice.REFERENCE:
                    self.set_reference(loaded.pixels, path.name)
                    return True
                if not self._may_discard_changes():
                    return False
                state = DocumentState(drawing=loaded.pixels, drawing_name=path.name)
                if choice is PictureChoice.EXTRACT_LINES:
                    state = replace(state, drawing=extract_lines(loaded.pixels)).with_reference(
                        loaded.pixels, path.name
                    )
        except ColorizerError as error:
            self.show_error("Cannot open", str(error))
            return False
        self.load_state(state)
        self._remember_recent(path)
        height, width = state.drawing.shape[:2]
        self.statusBar().showMessage(f"Opened {path.name} ({width}×{height})", 5000)
        return True

    def ask_about_finished_picture(self, name: str) -> PictureChoice:
        """What to do with a color picture opened as a drawing (a dialog; tests replace it)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "This looks like a finished picture",
            f"“{name}” looks like a finished color illustration, not line art. Colorizer colors "
            "line art; a colored picture serves best as the reference for one.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "Extract its lines: its line art becomes the drawing, the picture its reference."
        )
        offered = [
            ("Extract its lines", QMessageBox.ButtonRole.AcceptRole, PictureChoice.EXTRACT_LINES),
            ("Open as line art", QMessageBox.ButtonRole.NoRole, PictureChoice.AS_LINE_ART),
        ]
        if self.state is not None:  # a drawing is open: the picture can be its reference
            offered.insert(
                0, ("Use as the reference", QMessageBox.ButtonRole.YesRole, PictureChoice.REFERENCE)
            )
        pushed = [(box.addButton(text, role), choice) for text, role, choice in offered]
        box.setDefaultButton(pushed[0][0])
        buttons: dict[QAbstractButton, PictureChoice] = dict(pushed)
        box.exec()
        return buttons.get(box.clickedButton(), PictureChoice.CANCEL)

    def load_state(self, state: DocumentState) -> None:
        """Shows ``state`` as a fresh document (opened, or restored after a crash)."""
        self.result = self.result_request = None
        self._submitted = None
        self.canvas.set_drawing(state.drawing)
        self.stack.setCurrentWidget(self.canvas)
        self.history.reset(state)
        self.canvas.fit()
        self.canvas.setFocus()
        self._update_enabled()

    def _commit(self, state: DocumentState | None, text: str) -> None:
        if state is not None:
            self.history.commit(state, text)

    def _stroke_finished(self, stroke: Stroke) -> None:
        if not stroke.erase:
            self.color_picker.add_recent(stroke.color)
        if self.state is not None:
            self._commit(self.state.with_stroke(stroke), "Erase" if stroke.erase else "Stroke")

    def _fill_clicked(self, fill: Fill) -> None:
        self.color_picker.add_recent(fill.color)
        if self.state is not None:
            self._commit(self.state.with_fill(fill), "Fill")

    def _part_clicked(self, places: tuple[tuple[tuple[float, float], float | None], ...]) -> None:
        """The part tool clicked an area or brushed over some: ask which part, at the cursor."""
        if self.state is None:
            return
        self.part_menu = part_menu(self, lambda name: self.mark_part(name, places))
        self.part_menu.popup(QCursor.pos())

    def mark_part(
        self, name: str, places: tuple[tuple[tuple[float, float], float | None], ...]
    ) -> None:
        """What the part tool touched is part ``name`` (one undoable hint); the Parts view
        opens so the artist sees the correction."""
        if self.state is None:
            return
        state = self.state
        for point, radius in places:
            state = state.with_part_mark(PartMark(name, point, radius))
        self._commit(state, f"Mark {name}")
        self.set_layer_visible("parts", True)

    def clear_hints(self) -> None:
        if self.state is not None and not self.state.hints.is_empty:
            self._commit(self.state.with_hints(Hints()), "Clear hints")

    def set_tags(self, values: dict[str, float], final: bool = True) -> None:
        """The tag panel changed (``final`` False while a slider drags: colors follow live, and
        the history records the whole drag once, on release)."""
        if self.state is None:
            return
        state = replace(self.state, tags=tuple((n, float(v)) for n, v in values.items()))
        if final:
            before = self.history.committed.tag_values if self.history.committed else {}
            changed = sorted(n for n in set(before) | set(values) if before.get(n) != values.get(n))
            self._commit(state, f"Tags {', '.join(changed)}")
        else:
            self.history.preview(state)
            self.request_colors()

    def set_tag(self, name: str, value: float | None) -> None:
        """Ticks ``name`` at ``value`` (None unticks): one undoable edit."""
        if self.state is not None:
            self.set_tags(self.state.with_tag(name, value).tag_values)

    def set_reference(self, pixels: np.ndarray | None, name: str = "") -> None:
        if self.state is not None:
            self._commit(
                self.state.with_reference(pixels, name),
                "Reference" if pixels is not None else "Clear reference",
            )

    def set_reference_options(self, final: bool = True) -> None:
        """The reference strength slider or a part's box changed (``final`` False while the
        slider drags: colors follow live, the history records the drag once, on release)."""
        if self.state is None:
            return
        parts = self.reference_parts
        state = self.state.with_reference_options(parts.strength(), parts.ignored())
        if final:
            self._commit(state, "Reference strength and parts")
        else:
            self.history.preview(state)
            self.request_colors()

    def set_palette(self, palette: Palette | None) -> None:
        """Applies a character palette (None removes it): an undoable edit."""
        if self.state is not None and palette != self.state.palette:
            self._commit(
                self.state.with_palette(palette),
                "Apply palette" if palette is not None else "Remove palette",
            )

    def save_palette(self, path: str | Path) -> bool:
        """Saves the current result's colors, part by part, as the palette of the character
        named after the file; says why when it cannot."""
        path = Path(path)
        parts = self.result.parts if self.result is not None else None
        if self.result is None or parts is None:
            self.show_error(
                "Cannot save the palette",
                "the current colors come from a model that finds no parts (flat fill?): "
                "color the drawing with a neural model first",
            )
            return False
        palette = palette_of(path.stem, self.result.layers["color"], parts.parts, parts.names)
        try:
            palette.save(path)
        except ColorizerError as error:  # a full disk, a read-only folder
            self.show_error("Cannot save the palette", str(error))
            return False
        self.palette_panel.remember(path)
        self.statusBar().showMessage(f"Saved the palette of {path.stem} to {path}", 8000)
        return True

    def open_reference(self, path: str | Path) -> bool:
        """As if the file were dropped on the reference panel."""
        return self.reference_panel.open_file(path)

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self.layer_actions[name].setChecked(visible)
        self.canvas.set_layer_visible(name, visible)
        if name == "parts":
            self._show_parts()

    def _show_parts(self) -> None:
        """Draws the Parts view's picture while it is shown: a 36-megapixel RGBA part map per
        result is not worth making for a hidden layer."""
        parts = self.result.parts if self.result is not None else None
        shown = self.layer_actions["parts"].isChecked() and parts is not None
        if not shown:
            self.canvas.set_parts(None)
            self.part_legend.show_parts(None)
        elif parts is not None and self.canvas.parts.image is None:
            self.canvas.set_parts(parts_layer(parts.parts, parts.names, parts.confidence))
            self.part_legend.show_parts(parts)

    def _state_changed(self, state: DocumentState | None) -> None:
        if state is None:
            self.stack.setCurrentWidget(self.welcome)
        else:
            self.canvas.show_hints(state.hints)
            self._sync_panels(state)
            if state is self.history.committed:  # a completed edit, undo or redo; not a drag
                self._record(state)
            if state is not self._submitted:
                self._request_timer.start()
        self._update_title()
        self._update_enabled()

    def _sync_panels(self, state: DocumentState) -> None:
        """Panels show the document's tags, reference and palette (after undo, open, restore)."""
        if self.tag_panel.values() != state.tag_values:
            self.tag_panel.set_values(state.tag_values)
        self.reference_panel.set_reference(state.reference, state.reference_name)
        self.palette_panel.show_palette(state.palette)
        self.reference_parts.set_options(_reference_strength(state), state.reference_ignored)

    def _update_title(self) -> None:
        state = self.state
        if state is None:
            self.setWindowTitle("Colorizer")
            return
        name = state.project_path.name if state.project_path else state.drawing_name
        self.setWindowTitle(f"{name}[*] — Colorizer")
        self.setWindowModified(self.history.modified)

    def _update_enabled(self) -> None:
        has = self.state is not None
        for action in (
            self.save_action,
            self.save_as_action,
            self.clear_action,
            self.zoom_in_action,
            self.zoom_out_action,
            self.zoom_fit_action,
            self.zoom_100_action,
            *self.tool_actions.values(),
        ):
            action.setEnabled(has)
        self.export_action.setEnabled(self._current_layers() is not None)
        self.palette_panel.set_can_apply(has)
        self.palette_panel.set_can_save(
            has and self.result is not None and self.result.parts is not None
        )
        self.undo_action.setEnabled(self.history.stack.canUndo())
        self.redo_action.setEnabled(self.history.stack.canRedo())

    # ------------------------------------------------------------------ save, export

    def save(self) -> bool:
        if self.state is None:
            return False
        if self.state.project_path is None:
            return self.save_as()
        return self.save_to(self.state.project_path)

    def save_as(self) -> bool:
        if self.state is None:
            return False
        folder = str(self.settings.value("last_folder", "", str))
        suggested = str(Path(folder) / (Path(self.state.drawing_name).stem + PROJECT_SUFFIX))
        name, _ = QFileDialog.getSaveFileName(
            self, "Save project", suggested, "Colorizer project (*.ora)"
        )
        if not name:
            return False
        path = Path(name)
        return self.save_to(path if is_project_file(path) else path.with_suffix(PROJECT_SUFFIX))

    def save_to(self, path: Path) -> bool:
        if self.state is None:
            return False
        state = replace(self.state, project_path=path)
        try:
            save_project(path, state, self._current_layers())
        except (ColorizerError, OSError) as error:
            self.show_error("Cannot save", str(error))
            return False
        self.history.mark_saved(state)
        self._remember_recent(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _current_layers(self) -> list[Layer] | None:
        """The result's layer stack when it belongs to the current drawing."""
        if (
            self.result is None
            or self.result_request is None
            or self.state is None
            or self.result_request.drawing is not self.state.drawing
        ):
            return None
        return self.result.stack()

    def export(self) -> None:
        layers = self._current_layers()
        if layers is None or self.state is None or self.result is None:
            return
        dialog = ExportDialog(
            layers,
            Path(self.state.drawing_name).stem,
            merged=self.result.composite,
            settings=self.settings,
            parent=self,
        )
        dialog.exported.connect(
            lambda paths: self.statusBar().showMessage(
                f"Exported {', '.join(str(p) for p in paths)}", 8000
            )
        )
        dialog.exec()

    # ------------------------------------------------------------------ the worker

    def _options_changed(self, options: EngineOptions) -> None:
        self._update_supported_tags(options)
        self._request_timer.start()

    def _update_supported_tags(self, options: EngineOptions) -> None:
        """The tag panel enables the tags the model that will run understands."""
        if options.model == AUTO:
            neural = [m for m in self.models if m.name != FLAT and "tags" in m.accepts]
            model = next((m.name for m in neural if m.default), neural[0].name if neural else FLAT)
        else:
            model = options.model
        self.tag_panel.set_supported(self.model_tags.get(model, ()), model)

    def request_colors(self) -> None:
        """Sends the current document to the worker (the latest request wins)."""
        self._request_timer.stop()
        state, options = self.state, self.engine_controls.options()
        if state is None or (state is self._submitted and options == self._submitted_options):
            return
        self._submitted, self._submitted_options = state, options
        try:
            request = ColorizeRequest(
                drawing=state.drawing,
                hints=state.hints,
                tags=state.tag_values,
                reference=state.reference,
                model=options.model,
                size=options.size,
                region_consistency=options.region_consistency,
                palette=state.palette,
                reference_strength=_reference_strength(state),
                reference_ignored=state.reference_ignored,
            )
        except ColorizerError as error:  # e.g. a project's tag value out of range
            self._request_failed(0, str(error), True)
            return
        self._last_id = self.worker_thread.worker.submit(WorkOrder(request, options.device))
        self.busy.show()

    @property
    def idle(self) -> bool:
        """No request waits for an answer (for replay scripts and tests)."""
        return not self._request_timer.isActive() and self.busy.isHidden()

    def _engine_ready(
        self, models: list[ModelInfo], device: str, tags: dict[str, tuple[str, ...]]
    ) -> None:
        self.models, self.device_name, self.model_tags = list(models), device, dict(tags)
        self.engine_controls.set_models(models)
        self.engine_controls.set_options(
            replace(self.engine_controls.options(), model=self._saved_model)
        )
        self._update_supported_tags(self.engine_controls.options())
        self.model_label.setText(device.upper())

    def _result_arrived(
        self, request_id: int, request: ColorizeRequest, result: ColorizeResult
    ) -> None:
        if request_id == self._last_id:
            self.busy.hide()
        state = self.state
        if state is None or request.drawing is not state.drawing:
            return  # colors of a drawing that is no longer open
        self.result, self.result_request = result, request
        self.canvas.set_result(result.layers["color"], result.layers["flats"])
        self._show_parts()
        note = f" — {'; '.join(result.notes)}" if result.notes else ""
        self.statusBar().showMessage(
            f"Colored by {result.model} in {result.seconds:.2f} s{note}", 8000
        )
        self.model_label.setText(f"{result.model} · {self.device_name.upper()}")
        self.reference_parts.show_colors(result.reference_colors, request.reference is not None)
        self._update_enabled()

    def _request_failed(self, request_id: int, message: str, user_error: bool) -> None:
        if request_id in (0, self._last_id):
            self.busy.hide()
        self.statusBar().showMessage(f"Coloring failed: {message}", 15000)
        if message not in self._errors_shown:  # one dialog per distinct problem, not per drag
            self._errors_shown.add(message)
            self.show_error(
                "Coloring failed" if user_error else "Internal error while coloring", message
            )

    def show_error(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)
        self.statusBar().showMessage(message, 15000)
        if self.dialogs_enabled:
            QMessageBox.warning(self, title, message)

    # ------------------------------------------------------------------ journal

    def _record(self, state: DocumentState | None) -> None:
        if self.journal is None or state is None:
            return
        try:
            self.journal.record(state)
        except ColorizerError as error:
            self.statusBar().showMessage(f"Autosave failed: {error}", 15000)

    def offer_restore(self, sessions: list[RecoverableSession]) -> QMessageBox:
        """After a crash: offers the newest unfinished session back, as an unsaved document, in
        a box that blocks nothing, so a drawing opened from the command line is there at once.
        "Not now" keeps the session for the next start; "Discard" deletes it."""
        session = sessions[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore your work?",
            f"Colorizer did not close properly last time. Restore “{session.drawing_name}” as "
            f"it was after the last edit ({session.saved_at:%Y-%m-%d %H:%M:%S})?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            if button is restore:
                self._restore(session)
            elif button is discard:
                session.discard()

        box.buttonClicked.connect(answered)
        box.show()
        return box

    def _restore(self, session: RecoverableSession) -> None:
        if not self._may_discard_changes():
            return  # the artist keeps what they opened; the session waits for the next start
        try:
            state = session.restore()
        except ColorizerError as error:
            self.show_error("Cannot restore", str(error))
            return
        self.load_state(state)
        self.history.stack.resetClean()  # restored work is not saved anywhere yet
        self._update_title()
        session.discard()

    def _snapshot(self) -> None:
        if self.journal is None:
            return
        try:
            self.journal.snapshot()
        except ColorizerError as error:
            self.statusBar().showMessage(f"Autosave failed: {error}", 15000)

    # ------------------------------------------------------------------ recent files, drops

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [], list)
        return [str(v) for v in value] if isinstance(value, list) else []

    def _remember_recent(self, path: Path) -> None:
        path = path.resolve()
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self.settings.setValue("last_folder", str(path.parent))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = [f for f in self.recent_files() if Path(f).exists()]
        for file in files:
            action = self.recent_menu.addAction(Path(file).name)
            action.setToolTip(file)
            action.triggered.connect(lambda _=False, f=file: self.open_file(f))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(
            url.isLocalFile()
            and Path(url.toLocalFile()).suffix.lower() in (*IMAGE_SUFFIXES, PROJECT_SUFFIX)
            for url in event.mimeData().urls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_file(url.toLocalFile())
                return

    # ------------------------------------------------------------------ about, closing

    def about(self) -> None:
        QMessageBox.about(self, "About Colorizer", self.about_text())

    def about_text(self) -> str:
        import torch

        models = [m for m in self.models if m.name != FLAT]
        listed = "".join(
            f"<li>{m.name} — {m.architecture}, {m.resolution} px, "
            f"{', '.join(sorted(m.accepts))} ({m.source})</li>"
            for m in models
        )
        engine = self.worker_thread.worker.engine
        refused = (
            "".join(f"<li>{r.name}: {r.reason}</li>" for r in engine.refusals) if engine else ""
        )
        return (
            f"<h3>Colorizer {__version__}</h3>"
            "<p>Colors anime line art live from strokes, color tags and a reference.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 "
            f"{pyside_version} · PyTorch {torch.__version__} · NumPy {np.__version__}</p>"
            f"<p><b>Device:</b> {self.device_name}</p>"
            f"<p><b>Models:</b></p><ul>{listed or '<li>none installed — flat fill only</li>'}"
            f"<li>flat fill (built in)</li></ul>"
            + (f"<p><b>Refused:</b></p><ul>{refused}</ul>" if refused else "")
        )

    def _may_discard_changes(self) -> bool:
        """Asks to save unsaved work; False when the user cancels."""
        if self.state is None or not self.history.modified or self.discard_on_close:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.state.drawing_name}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_discard_changes():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("engine/model", self.engine_controls.options().model)
        self._request_timer.stop()
        self._autosave_timer.stop()
        if not self.worker_thread.stop():
            log.warning("the coloring thread did not stop in time")
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        event.accept()

    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self._saved_model = str(self.settings.value("engine/model", AUTO, str))
        self.engine_controls.set_options(
            replace(self.engine_controls.options(), model=self._saved_model)
        )

    def _show_position(self, point: QPointF) -> None:
        size = self.canvas.image_size
        inside = 0 <= point.x() < size.width() and 0 <= point.y() < size.height()
        text = f"{int(point.x())}, {int(point.y())}" if inside else ""
        parts = self.result.parts if self.result is not None else None
        if inside and parts is not None and self.layer_actions["parts"].isChecked():
            text += " · " + part_under(parts, int(point.x()), int(point.y()))
        self.position_label.setText(text)
