"""Reading the app's small JSON files (hints, palettes): one place that turns a missing, unreadable
or malformed file into a one-line error naming the file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from colorizer_app.errors import ColorizerError

T = TypeVar("T")


def read_json_file(
    path: str | os.PathLike[str],
    what: str,
    parse: Callable[[Any], T],
    error: type[ColorizerError],
) -> T:
    """``parse`` of the JSON in ``path``; any problem (reading, JSON, or ``error`` raised by
    ``parse``) becomes ``error`` prefixed with the file, ``what`` naming its contents."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as failure:
        raise error(f"{path}: cannot read {what}: {failure}") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as failure:
        raise error(
            f"{path}: not valid JSON: {failure.msg} (line {failure.lineno}, column {failure.colno})"
        ) from None
    try:
        return parse(obj)
    except error as failure:
        raise error(f"{path}: {failure}") from None
