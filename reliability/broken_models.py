"""Broken model files: each is refused with one line naming the file, nothing is ever unpickled,
and a request for colors still gets them (flat fill, with a note saying why).

The kinds are made from a real random model, damaged one way each, in a user models folder
(what ``$COLORIZER_MODELS_DIR`` points at) and a shipped catalogue (``manifest.json``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from reliability.fixtures import outline_drawing, random_model
from reliability.outcome import Outcome, environment, is_one_line, run_cli

SHIPPED = "shipped"
USER = "user"
INTACT = "intact"


@dataclass(frozen=True)
class BrokenModel:
    name: str  # what the report calls it
    model: str  # its name in the registry
    place: str  # SHIPPED (catalogue) or USER folder
    damage: Callable[[Path, Path], None]  # (weights, manifest) of a good copy → broken


class _Payload:
    """Unpickling this creates ``marker``: proof that a model file ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204 - pickle protocol
        return (Path.touch, (self.marker,))


def _manifest(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document), encoding="utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _truncate(weights: Path, manifest: Path) -> None:
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])


def _empty(weights: Path, manifest: Path) -> None:
    weights.write_bytes(b"")


def _wrong_shapes(weights: Path, manifest: Path) -> None:
    """Consistent file (hash, embedded manifest) whose first weight has one row too many."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(weights), framework="pt") as stored:
        metadata = stored.metadata()
        tensors = {name: stored.get_tensor(name) for name in stored.keys()}  # noqa: SIM118 (not a dict)
    name = next(n for n, t in tensors.items() if t.ndim == 4)
    tensors[name] = torch.cat([tensors[name], tensors[name][:1]])
    save_file(tensors, str(weights), metadata=metadata)
    document = _manifest(manifest)
    document["sha256"] = _sha256(weights)
    _write_manifest(manifest, document)


def _other_vocabulary(weights: Path, manifest: Path) -> None:
    """The sidecar names the color tags in another order than the weights were trained with."""
    document = _manifest(manifest)
    document["vocabulary"]["cvt"] = list(reversed(document["vocabulary"]["cvt"]))
    _write_manifest(manifest, document)


def _short_vocabulary(weights: Path, manifest: Path) -> None:
    document = _manifest(manifest)
    document["vocabulary"]["cvt"] = document["vocabulary"]["cvt"][:-1]
    _write_manifest(manifest, document)


def _pickle(weights: Path, manifest: Path) -> None:
    """A pickle renamed .safetensors, with a sidecar whose hash matches it."""
    weights.write_bytes(pickle.dumps({"state_dict": _Payload(weights.with_name("PWNED"))}))
    document = _manifest(manifest)
    document["sha256"] = _sha256(weights)
    _write_manifest(manifest, document)


def _bad_json(weights: Path, manifest: Path) -> None:
    manifest.write_text("{not json", encoding="utf-8")


def _no_manifest(weights: Path, manifest: Path) -> None:
    manifest.unlink()


def _no_weights(weights: Path, manifest: Path) -> None:
    weights.unlink()


def _unknown_architecture(weights: Path, manifest: Path) -> None:
    document = _manifest(manifest)
    document["architecture"] = "evil.network"
    _write_manifest(manifest, document)


def _catalogue_sha(weights: Path, manifest: Path) -> None:
    """Marker: the catalogue entry gets a wrong SHA-256 (see ``_catalogue``)."""


def _catalogue_missing(weights: Path, manifest: Path) -> None:
    weights.unlink()
    manifest.unlink()


BROKEN_MODELS: tuple[BrokenModel, ...] = (
    BrokenModel("truncated weights", "truncated", USER, _truncate),
    BrokenModel("empty weights file", "empty", USER, _empty),
    BrokenModel("wrong tensor shapes", "shapes", USER, _wrong_shapes),
    BrokenModel("other tag vocabulary in the manifest", "vocabulary", USER, _other_vocabulary),
    BrokenModel(
        "vocabulary shorter than the network's", "short-vocabulary", USER, _short_vocabulary
    ),
    BrokenModel("pickle renamed .safetensors", "pickle", USER, _pickle),
    BrokenModel("manifest not JSON", "bad-json", USER, _bad_json),
    BrokenModel("weights without manifest", "no-manifest", USER, _no_manifest),
    BrokenModel("manifest without weights", "no-weights", USER, _no_weights),
    BrokenModel("unknown architecture", "architecture", USER, _unknown_architecture),
    BrokenModel("catalogue entry with a wrong SHA-256", "wrong-sha", SHIPPED, _catalogue_sha),
    BrokenModel("catalogue entry for a missing file", "missing", SHIPPED, _catalogue_missing),
)


def make_broken_models(folder: Path, *, with_intact: bool = False) -> tuple[Path, Path]:
    """(shipped folder, user folder) holding every broken kind, and the good model ``intact``
    in the user folder when asked."""
    template = folder / "template"
    weights = random_model(template, INTACT)
    manifest = weights.with_suffix(".json")
    shipped, user = folder / SHIPPED, folder / USER
    for place in (shipped, user):
        place.mkdir(parents=True, exist_ok=True)
    catalogue = []
    for broken in BROKEN_MODELS:
        target = (shipped if broken.place == SHIPPED else user) / broken.model
        copy = target.with_suffix(".safetensors"), target.with_suffix(".json")
        shutil.copyfile(weights, copy[0])
        shutil.copyfile(manifest, copy[1])
        broken.damage(*copy)
        if broken.place == SHIPPED:
            catalogue.append(_catalogue(broken, copy[0], manifest))
    (shipped / "manifest.json").write_text(json.dumps({"format": 1, "models": catalogue}))
    if with_intact:
        shutil.copyfile(weights, user / weights.name)
        shutil.copyfile(manifest, user / manifest.name)
    return shipped, user


def _catalogue(broken: BrokenModel, weights: Path, manifest: Path) -> dict:
    document = _manifest(manifest)
    sha = "0" * 64 if broken.damage is _catalogue_sha else document["sha256"]
    return {
        "name": broken.model,
        "file": weights.name,
        "sha256": sha,
        "architecture": document["architecture"],
        "accepts": document["hints"],
        "resolution": document["resolution"],
    }


@contextlib.contextmanager
def forbid_unpickling(calls: list[str]) -> Iterator[None]:
    """Any call to pickle or torch.load inside the block is recorded in ``calls`` and fails."""
    import torch

    def refuse(name: str) -> Callable[..., None]:
        def call(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} called while loading models")

        return call

    with contextlib.ExitStack() as stack:
        for target, name in ((pickle, "load"), (pickle, "loads"), (torch, "load")):
            stack.enter_context(
                mock.patch.object(target, name, refuse(f"{target.__name__}.{name}"))
            )
        yield


def registry_scenario(folder: Path) -> Outcome:
    """Every kind refused by the registry with one line naming its file; the engine's ``auto``
    falls back to flat fill (and says so) without a good model, and finds the good one with it."""
    from colorizer_app.engine.pipeline import Engine
    from colorizer_app.engine.registry import ModelRegistry
    from colorizer_app.engine.request import AUTO, FLAT, ColorizeRequest
    from colorizer_app.imaging.hints import Hints, Stroke

    outcome = Outcome("broken models → registry and engine")
    shipped, user = make_broken_models(folder / "models")
    unpickled: list[str] = []
    request = ColorizeRequest(
        drawing=outline_drawing(64, 80),
        model=AUTO,
        hints=Hints((Stroke("#3060c0", 4.0, ((20.0, 20.0), (40.0, 30.0))),)),
        tags={"blue_hair": 1.0},
    )
    with forbid_unpickling(unpickled):
        registry = ModelRegistry(shipped_dir=shipped, user_dir=user)
        try:
            result = Engine(registry, device="cpu", threads=1).colorize(request)
        except Exception as error:  # noqa: BLE001 - counted
            outcome.crashes += 1
            outcome.problems.append(f"auto without a good model: {type(error).__name__}: {error}")
        else:
            outcome.expect(
                result.model == FLAT
                and any("fell back to flat fill" in note for note in result.notes),
                f"auto without a good model: {result.model}, notes {result.notes}",
            )
        registry.verify_all()
        reasons = {refusal.name: refusal.reason for refusal in registry.refusals}
        for broken in BROKEN_MODELS:
            outcome.tried += 1
            reason = reasons.get(broken.model)
            if outcome.expect(reason is not None, f"{broken.name}: not refused"):
                outcome.expect(
                    is_one_line(reason) and broken.model in reason,
                    f"{broken.name}: unclear reason {reason!r}",
                )
        outcome.expect(not registry.entries, f"listed anyway: {[e.name for e in registry.entries]}")
        _, user_with_good = make_broken_models(folder / "with-good", with_intact=True)
        engine = Engine(
            ModelRegistry(shipped_dir=None, user_dir=user_with_good), device="cpu", threads=1
        )
        outcome.expect(
            engine.colorize(request).model == INTACT,
            "auto did not find the good model among the broken ones",
        )
    outcome.expect(not unpickled, f"unpickled: {unpickled}")
    outcome.expect(not any(folder.rglob("PWNED")), "a model file ran code")
    outcome.result = (
        f"{len(BROKEN_MODELS)} kinds refused, {len(unpickled)} unpickle calls; "
        "auto → flat fill with a note"
    )
    return outcome


def cli_scenario(folder: Path) -> Outcome:
    """``colorize --model BROKEN`` exits 2 with one line for every user-folder kind; ``auto``
    colors with flat fill and a note; ``models`` lists every refusal."""
    from PIL import Image

    from colorizer_app.engine.registry import USER_MODELS_ENV

    outcome = Outcome("broken models → colorizer-cli")
    _, user = make_broken_models(folder / "models")
    drawing = folder / "drawing.png"
    Image.fromarray(outline_drawing(64, 80)).save(drawing)
    unpickled: list[str] = []
    with environment(**{USER_MODELS_ENV: str(user)}), forbid_unpickling(unpickled):
        for broken in (b for b in BROKEN_MODELS if b.place == USER):
            outcome.tried += 1
            run = run_cli(
                [
                    "colorize",
                    str(drawing),
                    "--model",
                    broken.model,
                    "--threads",
                    "1",
                    "-o",
                    str(folder / f"{broken.model}.png"),
                ]
            )
            outcome.crashes += run.code == 1
            outcome.tracebacks += "Traceback" in run.stderr
            outcome.expect(
                run.code == 2 and len(run.error_lines) == 1 and broken.model in run.error_lines[0],
                f"{broken.name}: exit {run.code}, {run.error_lines}",
            )
        outcome.tried += 1
        run = run_cli(
            [
                "colorize",
                str(drawing),
                "--threads",
                "1",
                "--tags",
                "blue_hair",
                "-o",
                str(folder / "auto.png"),
            ]
        )
        outcome.expect(
            run.code == 0
            and "fell back to flat fill" in run.stderr
            and (folder / "auto.png").is_file(),
            f"auto: exit {run.code}, {run.stderr.strip()}",
        )
        listing = run_cli(["models"])
        refused = [line for line in listing.stdout.splitlines() if line.startswith("refused ")]
        outcome.expect(
            listing.code == 0 and len(refused) == outcome.tried - 1,
            f"models lists {len(refused)} refusals: {listing.stdout}",
        )
    outcome.expect(not unpickled, f"unpickled: {unpickled}")
    outcome.expect(not any(folder.rglob("PWNED")), "a model file ran code")
    outcome.result = f"{outcome.tried - 1} named models refused (exit 2), auto → flat fill"
    return outcome
