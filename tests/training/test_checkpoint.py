"""Checkpoints: weights and optimizer state round-trip without pickle; mismatches are refused."""

import json

import pytest
import torch
from torch import nn

from colorizer_app.errors import ColorizerError
from training.checkpoint import load_checkpoint, save_checkpoint

torch.set_num_threads(1)


def _trained(seed: int = 0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    for _ in range(3):
        optimizer.zero_grad()
        net(torch.randn(5, 4)).pow(2).mean().backward()
        optimizer.step()
    return net, optimizer


def test_round_trip_restores_weights_and_optimizer(tmp_path):
    net, optimizer = _trained()
    save_checkpoint(
        tmp_path / "ckpt", {"g": net}, {"opt_g": optimizer}, {"step": 3, "elapsed": 1.5}
    )
    fresh, fresh_opt = _trained(seed=1)
    state = load_checkpoint(tmp_path / "ckpt", {"g": fresh}, {"opt_g": fresh_opt})
    assert state["step"] == 3 and state["elapsed"] == 1.5
    for a, b in zip(net.state_dict().values(), fresh.state_dict().values(), strict=False):
        assert torch.equal(a, b)
    original, restored = optimizer.state_dict(), fresh_opt.state_dict()
    assert json.dumps(original["param_groups"]) == json.dumps(restored["param_groups"])
    for index, param_state in original["state"].items():
        for key, value in param_state.items():
            assert torch.equal(
                torch.as_tensor(value), torch.as_tensor(restored["state"][index][key])
            )
    # Both continue identically.
    batch = torch.randn(5, 4)
    for model, opt in ((net, optimizer), (fresh, fresh_opt)):
        opt.zero_grad()
        model(batch).pow(2).mean().backward()
        opt.step()
    assert all(
        torch.equal(a, b) for a, b in zip(net.parameters(), fresh.parameters(), strict=False)
    )


def test_overwrite_is_atomic_and_leaves_no_temporaries(tmp_path):
    net, optimizer = _trained()
    for step in (1, 2):
        save_checkpoint(tmp_path / "ckpt", {"g": net}, {"o": optimizer}, {"step": step})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]
    assert load_checkpoint(tmp_path / "ckpt", {"g": net}, {"o": optimizer})["step"] == 2


def test_mismatched_network_is_refused(tmp_path):
    net, optimizer = _trained()
    save_checkpoint(tmp_path / "ckpt", {"g": net}, {"o": optimizer}, {"step": 1})
    other = nn.Sequential(nn.Linear(4, 3))
    with pytest.raises(ColorizerError, match="does not match network 'g'"):
        load_checkpoint(tmp_path / "ckpt", {"g": other}, {})


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(ColorizerError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing", {}, {})
