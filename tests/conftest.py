"""Suite-wide settings: offscreen Qt, one torch thread (CI has two cores), fixed seeds."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
