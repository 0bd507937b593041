"""Images as numpy arrays: loading, line art, hints, regions and export (no torch, no Qt)."""
