"""Before Qt opens a window on Linux: are the X11 libraries its xcb platform plugin needs there?

Without them Qt prints a paragraph about plugins and aborts the process (a core dump), which tells
an artist nothing. The pip wheel of Qt brings its own Qt libraries but not these system ones, and
a fresh Debian or Ubuntu without a desktop lacks some of them; this names the packages instead.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# The shared libraries the xcb plugin links or loads, and the Debian/Ubuntu package of each.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will open its windows through the xcb plugin: Linux, no other platform asked
    for, and not a Wayland session (where Qt 6 takes its Wayland plugin)."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(":")[0].split(";")[0] == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian packages of the xcb libraries that cannot be loaded, in a fixed order."""
    return [package for soname, package in XCB_LIBRARIES.items() if not loads(soname)]


def window_problem(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    loads: Callable[[str], bool] = _loads,
) -> str | None:
    """One line that says why no window can open and what to do, or None when nothing is wrong."""
    if not uses_xcb(environ, platform):
        return None
    missing = missing_packages(loads)
    if missing:
        return (
            "Qt cannot open a window: system libraries are missing; install them with: "
            f"sudo apt-get install {' '.join(missing)}"
        )
    if not environ.get("DISPLAY"):
        return (
            "no display to open the window on (DISPLAY is not set); run it on a desktop, or "
            "under xvfb-run"
        )
    return None
