"""The ui tests' shared fixtures (a main window, a drawing file, dialogs that answer themselves)."""

from tests.ui.main_windows import dialogs, drawing_file, window  # noqa: F401
