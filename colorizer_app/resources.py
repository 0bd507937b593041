"""Where the shipped resources (tag vocabulary, models, samples) live."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parents[1] / "resources"
TAGS_FILE = RESOURCES_DIR / "tags.json"
MODELS_DIR = RESOURCES_DIR / "models"
SAMPLES_DIR = RESOURCES_DIR / "samples"
