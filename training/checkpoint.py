"""Resumable training checkpoints without pickle: module weights and optimizer tensors in
safetensors, everything else (step, elapsed time, optimizer hyper-parameters) in JSON.

A checkpoint is a folder ``checkpoint/`` inside the run folder, replaced atomically (written to a
sibling temporary folder, then renamed), so an interrupted save never leaves a half checkpoint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from colorizer_app.errors import ColorizerError

MODULES_FILE = "modules.safetensors"
OPTIMIZERS_FILE = "optimizers.safetensors"
STATE_FILE = "state.json"


def _bare(module: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel wrapper, so keys do not depend on the launch."""
    return getattr(module, "module", module)


def save_checkpoint(
    folder: Path,
    modules: dict[str, nn.Module],
    optimizers: dict[str, torch.optim.Optimizer],
    state: dict[str, Any],
) -> None:
    tensors = {
        f"{name}.{key}": value.detach().cpu().contiguous().clone()
        for name, module in modules.items()
        for key, value in _bare(module).state_dict().items()
    }
    optimizer_tensors: dict[str, torch.Tensor] = {}
    optimizer_meta: dict[str, Any] = {}
    for name, optimizer in optimizers.items():
        sd = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, param_state in sd["state"].items():
            for key, value in param_state.items():
                if torch.is_tensor(value):
                    optimizer_tensors[f"{name}.{index}.{key}"] = (
                        value.detach().cpu().contiguous().clone()
                    )
                else:
                    scalars.setdefault(str(index), {})[key] = value
        optimizer_meta[name] = {"param_groups": sd["param_groups"], "scalars": scalars}

    folder = Path(folder)
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    save_file(tensors, str(temporary / MODULES_FILE))
    save_file(optimizer_tensors, str(temporary / OPTIMIZERS_FILE))
    (temporary / STATE_FILE).write_text(
        json.dumps({**state, "optimizers": optimizer_meta}, indent=1)
    )
    previous = folder.with_name(folder.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    temporary.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def load_checkpoint(
    folder: Path, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer]
) -> dict[str, Any]:
    """Loads weights and optimizer state into freshly built ``modules``/``optimizers`` (strictly:
    a checkpoint of another recipe or config is refused) and returns the JSON state."""
    folder = Path(folder)
    if not (folder / STATE_FILE).is_file():
        raise ColorizerError(f"no checkpoint to resume in {folder}")
    try:
        state = json.loads((folder / STATE_FILE).read_text())
        tensors = load_file(str(folder / MODULES_FILE))
        optimizer_tensors = load_file(str(folder / OPTIMIZERS_FILE))
    except (OSError, ValueError) as error:
        raise ColorizerError(f"cannot read the checkpoint in {folder}: {error}") from error

    for name, module in modules.items():
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            _bare(module).load_state_dict(own, strict=True)
        except RuntimeError as error:
            raise ColorizerError(
                f"the checkpoint in {folder} does not match network {name!r} "
                f"(another recipe or config?): {str(error).splitlines()[0]}"
            ) from error

    for name, optimizer in optimizers.items():
        meta = state["optimizers"][name]
        per_param: dict[int, dict[str, Any]] = {}
        for key, value in optimizer_tensors.items():
            owner, index, field = key.split(".", 2)
            if owner == name:
                per_param.setdefault(int(index), {})[field] = value
        for index, scalars in meta["scalars"].items():
            per_param.setdefault(int(index), {}).update(scalars)
        optimizer.load_state_dict({"state": per_param, "param_groups": meta["param_groups"]})
    return state
