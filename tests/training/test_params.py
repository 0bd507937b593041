"""``python -m training params``: the table, and exit 1 when a paper size is off."""

from colorizer_app.nets import registry, unified
from training.cli import main
from training.commands import params


def test_params_prints_every_network_and_passes(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert "Tag2Pix generator 256 px, BN" in out and "15.81" in out
    assert "Yan generator (Attention receiving block)" in out
    for name in registry.ARCHITECTURES:
        assert name in out, f"{name}'s CPU presets are missing from the table"
    assert "unified.generator" in out and "OFF" not in out


def test_params_exits_1_when_a_paper_size_is_off(capsys, monkeypatch):
    """Only the unified family, given a made-up paper target 10 % above its tiny count."""
    tiny = unified.UnifiedConfig.named("tiny", 6, 4)
    count = params._count("x", "tiny", lambda: unified.UnifiedGenerator(tiny), None).params
    monkeypatch.setattr(registry, "families", lambda: ["unified"])
    monkeypatch.setattr(registry, "ARCHITECTURES", {})
    monkeypatch.setattr(
        unified,
        "paper_param_targets",
        lambda: [("made-up paper net", lambda: unified.UnifiedGenerator(tiny), count * 1.1 / 1e6)],
        raising=False,
    )
    assert main(["params", "--modules"]) == 1
    out = capsys.readouterr().out
    assert "made-up paper net" in out and "-9.09%  OFF" in out and ".decoder" in out
    assert "off the paper's" in out
