"""Before Qt opens a window: missing X11 libraries and a missing display are one line each."""

from colorizer_app.ui import app
from colorizer_app.ui.system_check import XCB_LIBRARIES, uses_xcb, window_problem

DESKTOP = {"DISPLAY": ":0"}


def test_qt_uses_xcb_on_linux_unless_another_platform_or_wayland_is_chosen():
    assert uses_xcb(DESKTOP, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux")
    assert not uses_xcb(DESKTOP, "darwin") and not uses_xcb(DESKTOP, "win32")


def test_missing_libraries_are_named_by_their_packages():
    gone = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    problem = window_problem(DESKTOP, "linux", lambda soname: soname not in gone)
    assert problem.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_no_display_is_said_and_a_complete_desktop_passes():
    assert "DISPLAY is not set" in window_problem({}, "linux", lambda soname: True)
    assert window_problem(DESKTOP, "linux", lambda soname: True) is None
    assert window_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda s: False) is None
    assert len(set(XCB_LIBRARIES.values())) == len(XCB_LIBRARIES)


def test_the_app_prints_the_line_and_exits_instead_of_aborting(monkeypatch, capsys):
    monkeypatch.setattr(app, "window_problem", lambda: "no display (test)")
    monkeypatch.setattr(app.QApplication, "instance", staticmethod(lambda: None))
    assert app.main(["--no-journal"]) == 1
    assert capsys.readouterr().err == "colorizer: no display (test)\n"


def test_the_readme_installs_every_package_the_check_names():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    apt = next(line for line in readme.splitlines() if line.startswith("sudo apt-get install"))
    assert set(XCB_LIBRARIES.values()) <= set(apt.split())
