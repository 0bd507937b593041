"""The model file: what training writes and the engine reads (docs/architecture.md §5).

A model is two files side by side:

- ``NAME.safetensors`` — the weights (float32, or float16 to halve the download), with the
  manifest embedded as safetensors metadata so that the weights file describes itself;
- ``NAME.json`` — the manifest: architecture name (``registry``) and its config, the full tag
  vocabulary the model was trained with (CVT and CIT names in order), the hints it accepts, its
  working resolution, the training recipe, budget and metrics, and the SHA-256 of the weights file.

Loading checks everything before a tensor reaches a module: the SHA-256, that the file parses as
safetensors, that the embedded manifest equals the sidecar (so editing the JSON, e.g. its
vocabulary, is caught too), that the architecture is a known one, that every tensor has the name,
shape and kind the rebuilt module expects. It never unpickles: a model file cannot run code.
Every problem is one ``ModelFileError`` line naming the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from colorizer_app.errors import ColorizerError
from colorizer_app.imaging.atomic import atomic_output, atomic_write_bytes
from colorizer_app.nets.registry import ARCHITECTURES, Architecture
from colorizer_app.vocabulary import Vocabulary

FORMAT = "colorizer-model"
FORMAT_VERSION = 1
HINT_KINDS = ("strokes", "tags", "reference")
STORAGE_DTYPES = {"float32": torch.float32, "float16": torch.float16}
METADATA_KEY = "colorizer_manifest"
WEIGHTS_SUFFIX = ".safetensors"
MANIFEST_SUFFIX = ".json"


class ModelFileError(ColorizerError):
    """A model file that is missing, damaged, altered or not for this program."""


@dataclasses.dataclass(frozen=True)
class ModelManifest:
    """What a model file says about its network. ``config`` is the architecture's config
    dataclass; ``resolution`` the side in pixels it was trained at (the engine works near it);
    ``recipe``/``budget``/``metrics`` are free-form JSON objects written by the training.
    ``storage`` and ``sha256`` are filled in by ``save_model``."""

    architecture: str
    config: Any
    cvt: tuple[str, ...]
    cit: tuple[str, ...]
    hints: tuple[str, ...]
    resolution: int
    recipe: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    budget: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    metrics: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    storage: str = "float32"
    sha256: str = ""

    def to_json(self, *, with_sha256: bool = True) -> dict[str, Any]:
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "architecture": self.architecture,
            "config": dataclasses.asdict(self.config),
            "vocabulary": {"cvt": list(self.cvt), "cit": list(self.cit)},
            "hints": list(self.hints),
            "resolution": self.resolution,
            "recipe": dict(self.recipe),
            "budget": dict(self.budget),
            "metrics": dict(self.metrics),
            "storage": self.storage,
        }
        if with_sha256:
            document["sha256"] = self.sha256
        plain: dict[str, Any] = json.loads(json.dumps(document))  # tuples → lists, as read back
        return plain

    @classmethod
    def from_json(cls, document: Any) -> ModelManifest:
        """Parses and validates a manifest; ValueError/KeyError/TypeError on bad content."""
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a Colorizer model manifest")
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"format version {document.get('version')!r} is not supported "
                f"(this program reads version {FORMAT_VERSION})"
            )
        architecture = _architecture(document["architecture"])
        vocabulary = document["vocabulary"]
        manifest = cls(
            architecture=architecture.name,
            config=_from_json(architecture.config_type, document["config"], "config"),
            cvt=_names(vocabulary["cvt"], "vocabulary.cvt"),
            cit=_names(vocabulary["cit"], "vocabulary.cit"),
            hints=_names(document["hints"], "hints"),
            resolution=document["resolution"],
            recipe=_object(document.get("recipe", {}), "recipe"),
            budget=_object(document.get("budget", {}), "budget"),
            metrics=_object(document.get("metrics", {}), "metrics"),
            storage=document["storage"],
            sha256=document.get("sha256", ""),
        )
        manifest.validate()
        return manifest

    def validate(self) -> None:
        unknown = set(self.hints) - set(HINT_KINDS)
        if unknown:
            raise ValueError(f"unknown hint kinds {sorted(unknown)}; expected some of {HINT_KINDS}")
        if type(self.resolution) is not int or self.resolution <= 0:
            raise ValueError(f"resolution must be a positive integer, not {self.resolution!r}")
        if self.storage not in STORAGE_DTYPES:
            raise ValueError(
                f"storage must be one of {sorted(STORAGE_DTYPES)}, not {self.storage!r}"
            )
        n_cvt = getattr(self.config, "n_cvt", None)
        if n_cvt is not None and n_cvt != len(self.cvt):
            raise ValueError(
                f"the config takes {n_cvt} color tags but the vocabulary lists {len(self.cvt)}"
            )


class LoadedModel(NamedTuple):
    module: nn.Module  # on the CPU, float32, in eval mode
    manifest: ModelManifest


def paths(path: str | Path) -> tuple[Path, Path]:
    """(weights, manifest) paths of a model given either file (or the name without suffix)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (WEIGHTS_SUFFIX, MANIFEST_SUFFIX) else path
    return (stem.with_name(stem.name + WEIGHTS_SUFFIX), stem.with_name(stem.name + MANIFEST_SUFFIX))


def save_model(
    path: str | Path, module: nn.Module, manifest: ModelManifest, *, half: bool = False
) -> ModelManifest:
    """Writes ``NAME.safetensors`` then ``NAME.json`` (each atomically); returns the manifest
    with ``storage`` and ``sha256`` filled in. ``half`` stores floating tensors as float16."""
    architecture = _architecture(manifest.architecture)
    if (
        not isinstance(module, architecture.module)
        or getattr(module, "config", None) != manifest.config
    ):
        raise ValueError(
            f"the module is not a {manifest.architecture} built from the manifest's config"
        )
    manifest = dataclasses.replace(manifest, storage="float16" if half else "float32")
    manifest.validate()
    storage = STORAGE_DTYPES[manifest.storage]
    tensors = {
        name: (value.to(storage) if value.is_floating_point() else value)
        .detach()
        .to("cpu")
        .contiguous()
        .clone()
        for name, value in module.state_dict().items()
    }
    weights_path, manifest_path = paths(path)
    metadata = {METADATA_KEY: json.dumps(manifest.to_json(with_sha256=False), sort_keys=True)}
    with atomic_output(weights_path) as temporary:
        save_file(tensors, str(temporary), metadata=metadata)
    manifest = dataclasses.replace(manifest, sha256=_sha256(weights_path))
    text = json.dumps(manifest.to_json(), indent=1, sort_keys=True) + "\n"
    atomic_write_bytes(manifest_path, text.encode("utf-8"))
    return manifest


def read_manifest(path: str | Path) -> ModelManifest:
    """The manifest alone (cheap, for listing models); ``load_model`` verifies the weights."""
    _, manifest_path = paths(path)
    try:
        document = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{manifest_path}: the model's manifest is missing") from None
    except OSError as error:
        raise ModelFileError(
            f"{manifest_path}: cannot read the manifest ({error.strerror})"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{manifest_path}: the manifest is not valid JSON ({error})") from None
    try:
        return ModelManifest.from_json(document)
    except KeyError as error:
        raise ModelFileError(f"{manifest_path}: the manifest lacks {error}") from None
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"{manifest_path}: bad manifest: {error}") from None


def load_model(path: str | Path, *, vocabulary: Vocabulary | None = None) -> LoadedModel:
    """Verifies and loads a model. With ``vocabulary``, refuses a model trained with other tags."""
    weights_path, _ = paths(path)
    if not weights_path.is_file():
        raise ModelFileError(f"{weights_path}: model file not found")
    manifest = read_manifest(weights_path)
    if vocabulary is not None:
        _check_vocabulary(weights_path, manifest, vocabulary)
    if _sha256(weights_path) != manifest.sha256:
        raise ModelFileError(
            f"{weights_path}: SHA-256 mismatch — the file is damaged, truncated "
            "or not the one its manifest describes"
        )
    try:
        with safe_open(str(weights_path), framework="pt") as weights:
            embedded = (weights.metadata() or {}).get(METADATA_KEY)
            tensors = {name: weights.get_tensor(name) for name in weights.keys()}  # noqa: SIM118 (not a dict)
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise ModelFileError(f"{weights_path}: not a valid safetensors file ({error})") from None
    if _embedded_manifest(embedded, manifest.sha256) != manifest:
        raise ModelFileError(
            f"{weights_path}: the manifest beside it does not match the one inside the weights file"
        )
    architecture = ARCHITECTURES[manifest.architecture]
    with torch.device("meta"):  # check the shapes before allocating what the config asks for
        _check_tensors(weights_path, architecture.build(manifest.config), tensors)
    module = architecture.build(manifest.config)
    module.load_state_dict(tensors, strict=True)
    return LoadedModel(module.eval(), manifest)


# --------------------------------------------------------------------------- checks


def _embedded_manifest(embedded: str | None, sha256: str) -> ModelManifest | None:
    """The manifest inside the weights, parsed as the one beside them is: compared as parsed
    manifests, a file written before a config field was added (with its default) still loads."""
    if embedded is None:
        return None
    try:
        return ModelManifest.from_json({**json.loads(embedded), "sha256": sha256})
    except (KeyError, ValueError, TypeError):
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot read the model file ({error.strerror})") from None
    return digest.hexdigest()


def _architecture(name: Any) -> Architecture:
    if name not in ARCHITECTURES:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"unknown architecture {name!r} (known: {known})")
    return ARCHITECTURES[name]


def _check_vocabulary(path: Path, manifest: ModelManifest, vocabulary: Vocabulary) -> None:
    for kind, theirs, ours in (
        ("color", manifest.cvt, tuple(t.name for t in vocabulary.cvt)),
        ("shape", manifest.cit, tuple(t.name for t in vocabulary.cit)),
    ):
        if theirs != ours:
            where = next(
                (i for i, (a, b) in enumerate(zip(theirs, ours, strict=False)) if a != b),
                min(len(theirs), len(ours)),
            )
            raise ModelFileError(
                f"{path}: trained with another tag vocabulary ({kind} tags: {len(theirs)} vs "
                f"{len(ours)} here, first difference at position {where})"
            )


def _check_tensors(path: Path, module: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    expected = module.state_dict()
    missing = sorted(expected.keys() - tensors.keys())
    unexpected = sorted(tensors.keys() - expected.keys())
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: the weights do not fit the architecture "
            f"({len(missing)} missing, e.g. {missing[:1]}; "
            f"{len(unexpected)} unexpected, e.g. {unexpected[:1]})"
        )
    for name, value in expected.items():
        stored = tensors[name]
        if stored.shape != value.shape or stored.is_floating_point() != value.is_floating_point():
            raise ModelFileError(
                f"{path}: tensor {name} is {stored.dtype} "
                f"{tuple(stored.shape)}, the architecture expects "
                f"{value.dtype} {tuple(value.shape)}"
            )


# --------------------------------------------------------------------------- JSON → config


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of names")
    return tuple(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object")
    return value


def _from_json(hint: Any, value: Any, where: str) -> Any:
    """A value of type ``hint`` (a config dataclass, tuple, union, int, float, str, bool) from
    its JSON form, checked all the way down."""
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be a JSON object")
        fields = {f.name: f for f in dataclasses.fields(hint) if f.init}
        unknown = value.keys() - fields.keys()
        if unknown:
            raise ValueError(f"{where} has unknown fields {sorted(unknown)}")
        types_ = typing.get_type_hints(hint)
        config_type = typing.cast("type[Any]", hint)  # a type hint: the class, not an instance
        return config_type(
            **{
                name: _from_json(types_[name], item, f"{where}.{name}")
                for name, item in value.items()
            }
        )
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _from_json(option, value, where)
            except (ValueError, TypeError) as error:
                errors.append(str(error))
        raise ValueError("; ".join(errors) or f"{where} must not be null")
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ValueError(f"{where} must have {len(args)} items")
        return tuple(
            _from_json(a, v, f"{where}[{i}]")
            for i, (a, v) in enumerate(zip(args, value, strict=False))
        )
    if hint is float and type(value) in (int, float):
        return float(value)
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise ValueError(f"{where} must be {getattr(hint, '__name__', hint)}, not {value!r}")
