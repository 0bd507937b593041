"""``python -m training report``: the plan, the cached runner and the page."""

import json
from dataclasses import asdict

import numpy as np
import pytest
import torch

from colorizer_app.errors import ColorizerError
from colorizer_app.nets.blocks import DECODER_KINDS
from training.cli import main
from training.recipes import available
from training.report import experiments, markdown, runner
from training.report.experiments import Claim, Plan, Row
from training.report.runner import RowResult, Runner, Settings


def _switches(comparison_id: str) -> list[dict[str, str]]:
    plan = experiments.plan()
    comparison = next(c for c in plan.comparisons if c.id == comparison_id)
    return [dict(plan.rows[r].ablation) for r in comparison.rows]


def test_the_plan_covers_every_comparison_of_the_issue():
    plan = experiments.plan()
    assert {c.id for c in plan.comparisons} == {
        "tag2pix-incremental",
        "tag2pix-leave-one-out",
        "tag2pix-decoders",
        "cao-fusion",
        "alacgan-local-features",
        "alacgan-adversarial",
        "csa-module",
        "yan-receiving",
        "yan-rbca",
        "yan-sliders",
    }
    off = {"cit": "off", "guide": "off", "decoder": "se", "two_step": "off"}
    incremental = [
        {k: v for k, v in s.items() if k != "brightness"} for s in _switches("tag2pix-incremental")
    ]
    assert incremental == [
        off,
        {k: off[k] for k in ("guide", "decoder", "two_step")},
        {k: off[k] for k in ("decoder", "two_step")},
        {"two_step": "off"},
        {},
    ]
    assert [s.get("decoder", "secat") for s in _switches("tag2pix-decoders")] == list(DECODER_KINDS)
    assert [s.get("fusion") for s in _switches("cao-fusion")] == [None, "direct", "dual"]
    assert _switches("alacgan-local-features")[1] == {"local_features": "off"}
    assert _switches("alacgan-adversarial")[1] == {"adversarial": "off"}
    assert [s["csa"] for s in _switches("csa-module")] == ["on", "off"]
    assert [s["receiving"] for s in _switches("yan-receiving")] == ["attention", "add"]
    assert _switches("yan-rbca")[1]["rbca"] == "off"
    assert [s["mapping"] for s in _switches("yan-sliders")] == ["m_attention", "m_add"]

    recipes = available()
    for row in plan.rows.values():
        allowed = recipes[row.recipe].ablations
        assert all(value in allowed[key] for key, value in row.ablation.items()), row.id
    for c in plan.comparisons:
        assert set(c.headline) <= set(c.rows) and c.claims
        assert all({k.better, k.worse} <= set(c.rows) for k in c.claims), c.id
        assert all(plan.seeds(r, 2) == 2 for r in c.headline), c.id
    order = [row.id for row in plan.order()]
    for row in plan.rows.values():
        for dependency in (row.tagger, row.init):
            if dependency is not None:  # trained first, with every seed its dependents read
                assert order.index(dependency) < order.index(row.id)
        if row.init is not None:
            assert plan.seeds(row.init, 2) >= plan.seeds(row.id, 2)
    assert plan.seeds("tag2pix-n2", 2) == 1 and plan.seeds("tagger-vgg", 2) == 1
    with pytest.raises(ColorizerError, match="no such paper"):
        experiments.plan("pix2pix")


TEST_ROW = Row("csa-test", "CSA", "csa", {"csa": "on"}, export="csa")


def test_the_runner_trains_a_row_once_then_serves_it_from_the_cache(tmp_path, monkeypatch):
    torch.set_num_threads(1)
    calls = []

    def counting_cli(args):
        calls.append(args)
        return main(args)

    monkeypatch.setattr(runner, "cli_main", counting_cli)
    plan = Plan({TEST_ROW.id: TEST_ROW}, ())
    settings = Settings(work=tmp_path, steps=2, eval_samples=2, batch_size=2, device="cpu")
    first = Runner(settings, plan).ensure(TEST_ROW.id, 0)
    assert len(calls) == 1
    assert Runner(settings, plan).command(TEST_ROW, 0).split()[3:] == calls[0]
    assert first.steps == 2 and first.eval_samples == 2
    assert 0 <= first.metrics["hint_accuracy"]["value"] <= 1
    assert first.metrics["psnr"]["cases"] == 2
    pictures = runner.load_pictures(tmp_path / "csa-test" / "seed-0")
    assert pictures["hint_output"].shape == (2, 128, 128, 3)

    assert Runner(settings, plan).ensure(TEST_ROW.id, 0) == first
    rescored = Runner(
        Settings(work=tmp_path, steps=2, eval_samples=3, batch_size=2, device="cpu"), plan
    ).ensure(TEST_ROW.id, 0)
    assert len(calls) == 1, "a trained row is scored again, never retrained"
    assert rescored.metrics["psnr"]["cases"] == 3
    with pytest.raises(ColorizerError, match="trained for 2 steps, not 5"):
        Runner(Settings(work=tmp_path, steps=5), plan).ensure(TEST_ROW.id, 0)


def _result(row: str, seed: int, **values: float) -> RowResult:
    """A cached result whose accuracies are 0/1 cases (binomial spread) over 400 cases."""
    metrics = {
        name: {"value": v, "cases": 400, "std": float(np.sqrt(v * (1 - v)))}
        for name, v in values.items()
    }
    return RowResult(row, seed, 80, 100, metrics, 30.0, 15.0)


def test_verdicts_follow_the_papers_direction_and_the_noise():
    claim = Claim("a", "b", "tag_accuracy", "FID 1 vs 2")
    results = {
        "a": [_result("a", 0, tag_accuracy=0.80), _result("a", 1, tag_accuracy=0.82)],
        "b": [_result("b", 0, tag_accuracy=0.60)],
    }
    verdict = markdown.judge(claim, results)
    assert verdict.verdict == markdown.AGREES and verdict.difference == pytest.approx(0.21)
    assert (
        markdown.judge(Claim("b", "a", "tag_accuracy", ""), results).verdict == markdown.DISAGREES
    )
    close = {"a": [_result("a", 0, tag_accuracy=0.61)], "b": [_result("b", 0, tag_accuracy=0.60)]}
    assert markdown.judge(claim, close).verdict == markdown.NOISE  # 2 SE ≈ 0.069 > 0.01
    spread = {
        "a": [_result("a", 0, tag_accuracy=0.95), _result("a", 1, tag_accuracy=0.45)],
        "b": [_result("b", 0, tag_accuracy=0.50)],
    }
    assert markdown.judge(claim, spread).verdict == markdown.NOISE  # seed spread 0.35 > 0.2
    lower = Claim("a", "b", "bleeding", "")
    bleeding = {"a": [_result("a", 0, bleeding=0.05)], "b": [_result("b", 0, bleeding=0.30)]}
    assert markdown.judge(lower, bleeding).verdict == markdown.AGREES
    assert markdown.judge(claim, {"a": results["a"]}).verdict == markdown.NOT_RUN


def test_the_page_is_written_from_cached_metrics_alone(tmp_path, capsys):
    work = tmp_path / "work"
    cached = [
        _result("csa-on", 0, hint_accuracy=0.90, psnr=0.5),
        _result("csa-on", 1, hint_accuracy=0.88, psnr=0.5),
        _result("csa-off", 0, hint_accuracy=0.40, psnr=0.6),
        _result("csa-off", 1, hint_accuracy=0.42, psnr=0.6),
    ]
    for result in cached:
        folder = work / result.row / f"seed-{result.seed}"
        folder.mkdir(parents=True)
        (folder / runner.RESULT_FILE).write_text(json.dumps(asdict(result)))
    out = tmp_path / "docs" / "results.md"
    assert (
        main(["report", "--markdown-only", "--steps", "80", "--work", str(work), "--out", str(out)])
        == 0
    )
    page = out.read_text()
    assert "| with CSA | `csa` csa=on | 2 | 0.890 ± 0.014 |" in page
    assert "| w/o CSA (ResNet blocks) | `csa` csa=off | 2 | 0.410 ± 0.014 |" in page
    assert "| +0.480 (noise 0.0" in page and "**agrees**" in page
    assert "| hint acc. |" in page and "PSNR (dB) | -0.10 (noise" in page
    assert "**does not agree**" in page and "**not run yet**" in page
    assert "| secat |" in page and "| 15.81 |" in page  # the decoder kinds' parameter counts
    assert "python -m training train csa --config tiny --size 128 --steps 80" in page
    assert "(#csa-module) | 1 | 1 | 0 | 0 |" in page  # one claim agrees, one does not

    assert main(["report", "--list", "--only", "csa", "--steps", "80", "--work", str(work)]) == 0
    listing = capsys.readouterr().out
    assert "cached  csa-on seed 1:" in listing and "to run  tagger-vgg seed 0:" in listing
    assert "1 of 5 runs to go" in listing


def test_the_page_shows_a_montage_per_scored_comparison(tmp_path):
    plan = experiments.plan()
    run = Runner(Settings(work=tmp_path / "work"), plan)
    tiles = np.zeros((2, 8, 8, 3), np.uint8)
    for row in ("csa-on", "csa-off"):
        folder = run.run_dir(row, 0)
        folder.mkdir(parents=True)
        np.savez_compressed(
            folder / runner.MONTAGE_FILE, hints=tiles, hint_output=tiles + 100, truth=tiles + 200
        )
    picture = markdown.comparison_montage(
        next(c for c in plan.comparisons if c.id == "csa-module"), plan, run
    )
    assert picture.shape == (4 * 12 + 4, 2 * 12 + 4, 3)  # input, two rows, truth × 2 samples
    assert markdown.comparison_montage(plan.comparisons[0], plan, run) is None
