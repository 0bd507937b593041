"""Launches the Colorizer app (the same as the ``colorizer`` command)."""

import sys

from colorizer_app.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
