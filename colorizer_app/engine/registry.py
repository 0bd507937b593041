"""Which colorization models are installed, which of them may be used, and which suits a request.

Two places hold models:

- **shipped**: ``resources/models/manifest.json``, the catalogue of the models that come with the
  app (schema below), each ``FILE.safetensors`` beside it with its ``FILE.json`` model manifest
  (``colorizer_app.nets.modelfile``);
- **user**: the platform's user data folder (``platformdirs.user_data_dir("colorizer")/models``,
  or ``$COLORIZER_MODELS_DIR``), where every ``NAME.safetensors`` with its ``NAME.json`` (as
  ``python -m training`` writes them) is a model called NAME.

Catalogue schema (``format`` 1)::

    {"format": 1,
     "models": [{"name": "unified-small",              # what --model and the app call it
                 "file": "unified-small.safetensors",   # relative to the catalogue
                 "sha256": "<64 hex digits>",           # of the weights file
                 "architecture": "unified.generator",   # must equal the model manifest's
                 "accepts": ["strokes", "tags", "reference"],  # its "hints" (+ companions')
                 "resolution": 256,                     # working side in pixels (its manifest's)
                 "default": true,                       # "auto" prefers it (at most one)
                 "companions": {"ROLE": {"file": "ROLE-<sha12>.safetensors",
                                         "sha256": "<64 hex digits>"}},  # optional
                 "recipe": {...}, "budget": {...},      # how it was trained (free-form)
                 "scoreboard": {...}}]}                 # its `python -m training eval` numbers

A paper model's generator runs with frozen companion networks (``adapters.FAMILIES`` names each
family's roles: Tag2Pix's ``cit_extractor``, AlacGAN's ``local_features``, CSA's
``hint_features``, Yan et al.'s ``reference_encoder`` and ``mapping``), each a model file of its
own beside it, checked like the main file; ``accepts`` is what the generator and its companions
accept together (Yan's mapping adds tags). User-folder models have no companions, so a family
that needs one is refused there.

Models are checked in two steps. Listing (when the registry is built) is cheap: the file is
present, its manifest parses, agrees with the catalogue (architecture, hints, resolution, SHA-256)
and names an architecture the engine can run, and so do its companions (present, SHA-256, the
role's architecture, the same tag vocabulary, every role its config needs). Loading (on first
use, once) goes through ``modelfile.load_model``, which verifies the SHA-256 of the weights,
that they are safetensors (a pickle renamed ``.safetensors`` fails here: it is never
unpickled) and fit the network, the same for each companion, and wraps them in the family's
adapter (``adapters.wrap``). A model failing either step is refused with a one-line reason
and dropped from the list; the others stay usable, and ``refusals`` tells the app what to say
("fell back to flat fill"). ``verify_all`` loads every model now, for listings that must be
sure.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from colorizer_app.engine import adapters
from colorizer_app.engine.request import AUTO, FLAT
from colorizer_app.errors import ColorizerError
from colorizer_app.nets import modelfile
from colorizer_app.nets.modelfile import HINT_KINDS, LoadedModel, ModelFileError, ModelManifest
from colorizer_app.resources import MODELS_DIR

log = logging.getLogger(__name__)

CATALOGUE_NAME = "manifest.json"
CATALOGUE_FORMAT = 1
USER_MODELS_ENV = "COLORIZER_MODELS_DIR"
SHIPPED = object()  # "the app's catalogue": MODELS_DIR, looked up when a registry is built
# The architectures the engine knows how to drive (encode_sketch / encode_reference / decode).
RUNNABLE = tuple(adapters.FAMILIES)


@dataclass(frozen=True)
class Companion:
    """A frozen network a model's generator runs with, in a model file of its own."""

    role: str
    path: Path
    manifest: ModelManifest


@dataclass(frozen=True)
class ModelEntry:
    """An installed, verified model (its weights are not loaded yet)."""

    name: str
    path: Path  # the .safetensors file
    source: str  # "shipped" | "user"
    manifest: ModelManifest
    default: bool = False
    scoreboard: Mapping[str, Any] = field(default_factory=dict)
    companions: tuple[Companion, ...] = ()

    @property
    def accepts(self) -> frozenset[str]:
        return frozenset(
            adapters.accepted_hints(self.manifest, {c.role: c.manifest for c in self.companions})
        )

    @property
    def requires(self) -> frozenset[str]:
        """The hint kinds it cannot color without (Yan et al.'s reference)."""
        return adapters.FAMILIES[self.architecture].requires

    @property
    def resolution(self) -> int:
        return self.manifest.resolution

    @property
    def architecture(self) -> str:
        return self.manifest.architecture


@dataclass(frozen=True)
class Refusal:
    """A model that cannot be used, and why (one line naming the file)."""

    name: str
    reason: str


def user_models_dir() -> Path:
    """Where the user's own models live: ``$COLORIZER_MODELS_DIR`` or the platform's user data
    folder (e.g. ``~/.local/share/colorizer/models``)."""
    configured = os.environ.get(USER_MODELS_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("colorizer", appauthor=False)) / "models"


class ModelRegistry:
    """The verified models of the shipped catalogue and the user folder, loaded lazily."""

    def __init__(
        self,
        shipped_dir: Path | None | object = SHIPPED,
        user_dir: Path | None = None,
        *,
        scan_user: bool = True,
    ) -> None:
        if shipped_dir is SHIPPED:
            shipped_dir = MODELS_DIR
        self._entries: dict[str, ModelEntry] = {}
        self._refusals: list[Refusal] = []
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()
        if shipped_dir is not None:
            # SHIPPED was replaced above: a Path (or str) from the caller, or MODELS_DIR
            self._scan_catalogue(Path(cast("str | os.PathLike[str]", shipped_dir)))
        if scan_user:
            self._scan_user(Path(user_dir) if user_dir is not None else user_models_dir())

    # ------------------------------------------------------------------ queries

    @property
    def entries(self) -> tuple[ModelEntry, ...]:
        return tuple(self._entries.values())

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        return tuple(self._refusals)

    def entry(self, name: str) -> ModelEntry:
        if name in self._entries:
            return self._entries[name]
        for refusal in self._refusals:
            if refusal.name == name:
                raise ColorizerError(f"model '{name}' cannot be used: {refusal.reason}")
        known = ", ".join([AUTO, FLAT, *self._entries]) or f"{AUTO}, {FLAT}"
        raise ColorizerError(f"unknown model '{name}' (installed: {known})")

    def choose(self, given: Iterable[str]) -> ModelEntry | None:
        """The model ``auto`` means for a request with these hint kinds, or None (flat fill).

        Among the models accepting every given kind: the default model (the one shipped as the
        best on the scoreboard), then one accepting exactly those (a specialist), then the one
        with the fewest extra kinds, then by name. When none accepts them all, the one
        accepting most of them. A model that cannot run without a kind not given (a reference)
        is never chosen.
        """
        given = frozenset(given)
        runnable = [entry for entry in self._entries.values() if entry.requires <= given]
        if not runnable:
            return None

        def rank(entry: ModelEntry) -> tuple[int, bool, bool, int, str]:
            return (
                -len(given & entry.accepts),
                not entry.default,
                entry.accepts != given,
                len(entry.accepts - given),
                entry.name,
            )

        return min(runnable, key=rank)

    def load(self, name: str) -> LoadedModel:
        """The model's module (CPU, eval mode; a paper generator wrapped with its companions in
        its adapter) and manifest, read from disk on first use only. A model that fails
        verification, or one of whose companions does, is refused from then on
        (ModelFileError)."""
        entry = self.entry(name)
        with self._lock:
            if name not in self._loaded:
                log.info("loading model %s from %s", name, entry.path)
                try:
                    loaded = _load_verified(entry.path, entry.manifest)
                    companions = {c.role: _load_companion(entry.path, c) for c in entry.companions}
                    try:
                        module = adapters.wrap(name, loaded, companions)
                    except ValueError as error:
                        raise ModelFileError(f"{entry.path}: {error}") from None
                    loaded = LoadedModel(module, loaded.manifest)
                except ModelFileError as error:
                    del self._entries[name]
                    self._refuse(name, str(error))
                    raise
                self._loaded[name] = loaded
            return self._loaded[name]

    def verify_all(self) -> None:
        """Load every listed model, so that the list and the refusals are final."""
        for name in list(self._entries):
            try:
                self.load(name)
            except ModelFileError:
                continue

    # ------------------------------------------------------------------ scanning

    def _refuse(self, name: str, reason: str) -> None:
        # INFO: every refusal reaches the user where it matters (the error for --model NAME, the
        # fallback note, `colorizer-cli models`, About), not as a warning on every command.
        log.info("model %s refused: %s", name, reason)
        self._refusals.append(Refusal(name, reason))

    def _add(
        self,
        name: str,
        path: Path,
        source: str,
        *,
        expected_sha256: str | None = None,
        expect: Mapping[str, Any] | None = None,
        accepts: Iterable[str] | None = None,
        companions: Mapping[str, tuple[Path, str]] | None = None,
        default: bool = False,
        scoreboard: Mapping[str, Any] | None = None,
    ) -> None:
        """List one model (``companions``: role → (file, SHA-256)), or record why it is
        refused."""
        if name in (AUTO, FLAT) or name in self._entries:
            self._refuse(name, f"{path}: the name '{name}' is already taken")
            return
        try:
            manifest = _read(path, expected_sha256)
            listed = tuple(
                _read_companion(path, role, file, sha256)
                for role, (file, sha256) in (companions or {}).items()
            )
        except ColorizerError as error:
            self._refuse(name, str(error))
            return
        for key, value in (expect or {}).items():
            if value != getattr(manifest, key):
                self._refuse(
                    name,
                    f"{path}: the catalogue says {key} {value!r} but the model's "
                    f"manifest says {getattr(manifest, key)!r}",
                )
                return
        if manifest.architecture not in RUNNABLE:
            self._refuse(
                name,
                f"{path}: a {manifest.architecture} network is for training; the "
                f"app runs {', '.join(RUNNABLE)} models",
            )
            return
        problem = adapters.companion_problem(manifest, {c.role: c.manifest for c in listed})
        if problem is not None:
            self._refuse(name, f"{path}: {problem}")
            return
        entry = ModelEntry(
            name,
            path,
            source,
            manifest,
            default,
            dict(scoreboard if scoreboard is not None else manifest.metrics),
            listed,
        )
        if accepts is not None and frozenset(accepts) != entry.accepts:
            self._refuse(
                name,
                f"{path}: the catalogue says hints {sorted(accepts)} but the model "
                f"(with its companions) accepts {sorted(entry.accepts)}",
            )
            return
        self._entries[name] = entry

    def _scan_catalogue(self, folder: Path) -> None:
        catalogue = folder / CATALOGUE_NAME
        if not catalogue.is_file():
            return
        try:
            document = json.loads(catalogue.read_text(encoding="utf-8"))
            if document.get("format") != CATALOGUE_FORMAT or not isinstance(
                document["models"], list
            ):
                raise ValueError(f"expected format {CATALOGUE_FORMAT} with a list of models")
            items = [_catalogue_item(item) for item in document["models"]]
        except (
            OSError,
            UnicodeDecodeError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ) as error:
            self._refuse(str(catalogue), f"{catalogue}: not a valid model catalogue ({error})")
            return
        if sum(item["default"] for item in items) > 1:
            log.warning("%s marks several default models; the first counts", catalogue)
        seen_default = False
        for item in items:
            default = item["default"] and not seen_default
            seen_default |= default
            expect = {"architecture": item["architecture"], "resolution": item["resolution"]}
            companions = {
                role: (folder / c["file"], c["sha256"]) for role, c in item["companions"].items()
            }
            self._add(
                item["name"],
                folder / item["file"],
                "shipped",
                expected_sha256=item["sha256"],
                expect=expect,
                accepts=item["accepts"],
                companions=companions,
                default=default,
                scoreboard=item["scoreboard"],
            )

    def _scan_user(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        weights = {path.stem: path for path in folder.glob(f"*{modelfile.WEIGHTS_SUFFIX}")}
        sidecars = {path.stem for path in folder.glob(f"*{modelfile.MANIFEST_SUFFIX}")}
        for stem in sorted(sidecars - weights.keys()):
            self._refuse(
                stem,
                f"{folder / (stem + modelfile.WEIGHTS_SUFFIX)}: model file not "
                "found (only its manifest is there)",
            )
        for stem in sorted(weights):
            self._add(stem, weights[stem], "user")


def _catalogue_item(item: Any) -> dict[str, Any]:
    """One catalogue entry, type-checked (ValueError/KeyError/TypeError otherwise)."""
    if not isinstance(item, dict):
        raise ValueError("each model must be a JSON object")
    accepts = tuple(item["accepts"])
    if not set(accepts) <= set(HINT_KINDS) or not all(isinstance(v, str) for v in accepts):
        raise ValueError(f"model {item.get('name')!r}: accepts must list some of {HINT_KINDS}")
    result = {
        "name": item["name"],
        "file": item["file"],
        "sha256": item["sha256"],
        "architecture": item["architecture"],
        "accepts": accepts,
        "resolution": item["resolution"],
        "default": item.get("default", False),
        "companions": item.get("companions", {}),
        "scoreboard": item.get("scoreboard", {}),
    }
    for key in ("name", "sha256", "architecture"):
        if not isinstance(result[key], str) or not result[key]:
            raise ValueError(f"model field {key!r} must be a non-empty string")
    _check_file(result["file"])
    if not isinstance(result["companions"], dict):
        raise ValueError("companions must be a JSON object: role → {file, sha256}")
    for role, companion in result["companions"].items():
        if not isinstance(companion, dict) or not isinstance(companion.get("sha256"), str):
            raise ValueError(f"companion {role!r} must be an object with a file and a sha256")
        _check_file(companion.get("file"))
    if type(result["resolution"]) is not int or type(result["default"]) is not bool:
        raise ValueError("resolution must be an integer and default true or false")
    if not isinstance(result["scoreboard"], dict):
        raise ValueError("scoreboard must be a JSON object")
    return result


def _check_file(file: Any) -> None:
    """A catalogue's file name: a non-empty path inside the models folder (ValueError)."""
    if not isinstance(file, str) or not file:
        raise ValueError("a model's file must be a non-empty string")
    if Path(file).is_absolute() or ".." in Path(file).parts:
        raise ValueError(f"model file {file!r} must lie in the models folder")


def _load_verified(path: Path, listed: ModelManifest) -> LoadedModel:
    """``modelfile.load_model``, and the file still the one that was listed."""
    loaded = modelfile.load_model(path)
    if loaded.manifest != listed:
        raise ModelFileError(
            f"{path}: the model changed on disk since the program started; "
            "restart to use the new one"
        )
    return loaded


def _read_companion(model: Path, role: str, path: Path, expected_sha256: str) -> Companion:
    try:
        return Companion(role, path, _read(path, expected_sha256))
    except ModelFileError as error:
        raise ModelFileError(f"{model}: its {role} companion is unusable: {error}") from None


def _load_companion(model: Path, companion: Companion) -> LoadedModel:
    try:
        return _load_verified(companion.path, companion.manifest)
    except ModelFileError as error:
        raise ModelFileError(
            f"{model}: its {companion.role} companion is unusable: {error}"
        ) from None


def _read(path: Path, expected_sha256: str | None) -> ModelManifest:
    """The manifest of a present model file, agreeing with the catalogue's SHA-256 if given."""
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    manifest = modelfile.read_manifest(path)
    if expected_sha256 is not None and manifest.sha256 != expected_sha256.lower():
        raise ModelFileError(
            f"{path}: its manifest's SHA-256 differs from the catalogue's — not the shipped model"
        )
    return manifest
