"""The papers' comparisons as rows of recipe switches, and what each paper says about them.

Every row is one training run (recipe + ablation switches) at the report's shared settings; a row
may be shared by several comparisons (Tag2Pix N5 is the SECat row of the decoder comparison and
the Tag2Pix baseline of Cao et al.). The papers measure FID or ask users; we measure with the
scoreboard (docs/architecture.md §4), so each claim names the scoreboard metric that stands in for
the paper's measure, and quotes the paper's own numbers.

The frozen "pre-trained" feature nets of the papers are pre-trained once per architecture by the
``tagger`` recipe (rows ``tagger-*``) at the same settings and passed to every row that reads
one; rows that switch their feature net off (Tag2Pix without CIT features) get none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from colorizer_app.errors import ColorizerError

LOWER_IS_BETTER = frozenset({"bleeding", "slider_mean_de"})
DEFAULT_STEPS = 80  # the whole report in about 40 minutes on one CPU thread (measured per recipe)


@dataclass(frozen=True)
class Row:
    id: str  # folder name under --work
    label: str  # how the tables name it
    recipe: str
    ablation: Mapping[str, str] = field(default_factory=dict)
    export: str = ""  # the run's main model file (NAME.safetensors)
    tagger: str | None = None  # id of the pre-training row fed as --tagger
    init: str | None = None  # id of the row (same seed) whose model is --init


@dataclass(frozen=True)
class Claim:
    """The paper's direction: ``better`` beats ``worse`` on ``metric`` (our stand-in measure)."""

    better: str
    worse: str
    metric: str
    paper: str  # what the paper reports, with its numbers


@dataclass(frozen=True)
class Comparison:
    id: str  # also the montage's file name
    paper: str  # --only key: tag2pix, cao, alacgan, csa, yan
    title: str
    source: str  # the paper's table or section, and its finding
    rows: tuple[str, ...]  # table order
    headline: tuple[str, ...]  # rows trained with --seeds seeds (the rest: one)
    metrics: tuple[str, ...]  # table columns
    claims: tuple[Claim, ...]
    shows: str  # montage: tag_output | hint_output | reference_output
    parameter_counts: bool = False  # add the decoder kinds' parameter counts


def _tagger(arch: str) -> Row:
    return Row(f"tagger-{arch}", f"tagger ({arch})", "tagger", {"arch": arch}, export="tagger")


def _tag2pix(id_: str, label: str, **switches: str) -> Row:
    ablation = {**switches, "brightness": "off"}  # the ablation tables have no fine-tune
    tagger = None if switches.get("cit") == "off" else "tagger-se_resnext"
    return Row(id_, label, "tag2pix", ablation, export="tag2pix", tagger=tagger)


ROWS: tuple[Row, ...] = (
    _tagger("se_resnext"),
    _tagger("resnet34"),
    _tagger("alac"),
    _tagger("vgg"),
    _tag2pix("tag2pix-n1", "N1 (none)", cit="off", guide="off", decoder="se", two_step="off"),
    _tag2pix("tag2pix-n2", "N2 (+CIT)", guide="off", decoder="se", two_step="off"),
    _tag2pix("tag2pix-n3", "N3 (+guide)", decoder="se", two_step="off"),
    _tag2pix("tag2pix-n4", "N4 (+SECat)", two_step="off"),
    _tag2pix("tag2pix-n5", "N5 (all)"),
    _tag2pix("tag2pix-n6", "N6 (−CIT)", cit="off"),
    _tag2pix("tag2pix-n7", "N7 (−guide)", guide="off"),
    _tag2pix("tag2pix-n8", "N8 (−SECat)", decoder="se"),
    _tag2pix("tag2pix-resnext", "(a) ResNeXt", decoder="resnext"),
    _tag2pix("tag2pix-concat_front", "(c) Concat front", decoder="concat_front"),
    _tag2pix("tag2pix-concat_all", "(c′) Concat all", decoder="concat_all"),
    _tag2pix("tag2pix-adain", "(d) AdaIN", decoder="adain"),
    Row(
        "cao-direct",
        "Direct Concatenation",
        "cao",
        {"fusion": "direct"},
        export="cao_direct",
        tagger="tagger-se_resnext",
    ),
    Row(
        "cao-dual",
        "Dual-branch",
        "cao",
        {"fusion": "dual"},
        export="cao_dual",
        tagger="tagger-se_resnext",
    ),
    Row("alacgan-full", "AlacGAN (full)", "alacgan", {}, export="alacgan", tagger="tagger-alac"),
    Row(
        "alacgan-no-local",
        "w/o local features",
        "alacgan",
        {"local_features": "off"},
        export="alacgan",
        tagger="tagger-alac",
    ),
    Row(
        "alacgan-no-adversarial",
        "w/o adversarial loss",
        "alacgan",
        {"adversarial": "off"},
        export="alacgan",
        tagger="tagger-alac",
    ),
    Row("csa-on", "with CSA", "csa", {"csa": "on"}, export="csa", tagger="tagger-vgg"),
    Row(
        "csa-off",
        "w/o CSA (ResNet blocks)",
        "csa",
        {"csa": "off"},
        export="csa",
        tagger="tagger-vgg",
    ),
    Row(
        "yan-attention",
        "Attention",
        "yan",
        {"receiving": "attention"},
        export="yan",
        tagger="tagger-resnet34",
    ),
    Row("yan-add", "Add", "yan", {"receiving": "add"}, export="yan", tagger="tagger-resnet34"),
    Row(
        "yan-attention-no-rbca",
        "Attention w/o RBCA",
        "yan",
        {"receiving": "attention", "rbca": "off"},
        export="yan",
        tagger="tagger-resnet34",
    ),
    Row(
        "yan-m-attention",
        "M-Attention",
        "yan",
        {"stage": "second", "receiving": "attention", "mapping": "m_attention"},
        export="yan-mapping",
        init="yan-attention",
    ),
    Row(
        "yan-m-add",
        "M-Add",
        "yan",
        {"stage": "second", "receiving": "add", "mapping": "m_add"},
        export="yan-mapping",
        init="yan-add",
    ),
)

TAG_METRICS = ("tag_accuracy", "swapped_accuracy", "tag_accuracy/eyes", "bleeding", "psnr")
STROKE_METRICS = ("hint_accuracy", "bleeding", "psnr")
REFERENCE_METRICS = ("reference_accuracy", "bleeding", "psnr")


def _chain(rows: tuple[str, ...], metric: str, fids: tuple[float, ...]) -> tuple[Claim, ...]:
    """Each row beats the one before it (the paper's FID falls along the chain)."""
    return tuple(
        Claim(b, w, metric, f"FID {fb} vs {fw}")
        for w, b, fw, fb in zip(rows, rows[1:], fids, fids[1:], strict=False)
    )


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "tag2pix-incremental",
        "tag2pix",
        "Tag2Pix: incremental component ablation (N1…N5)",
        "Kim et al., supplement Table 1: FID falls as CIT features, the guide decoder, SECat and "
        "two-step training are added (57.81 → 39.21); without CIT and guide decoder 'segmentation "
        "misses and color bleeding can occur'.",
        rows=("tag2pix-n1", "tag2pix-n2", "tag2pix-n3", "tag2pix-n4", "tag2pix-n5"),
        headline=("tag2pix-n1", "tag2pix-n5"),
        metrics=TAG_METRICS,
        claims=(
            Claim("tag2pix-n5", "tag2pix-n1", "tag_accuracy", "FID 39.21 vs 57.81"),
            *_chain(
                ("tag2pix-n1", "tag2pix-n2", "tag2pix-n3", "tag2pix-n4", "tag2pix-n5"),
                "tag_accuracy",
                (57.81, 52.78, 48.74, 42.29, 39.21),
            ),
            Claim(
                "tag2pix-n3",
                "tag2pix-n1",
                "bleeding",
                "bleeding without CIT and guide decoder (Fig. 1)",
            ),
        ),
        shows="tag_output",
    ),
    Comparison(
        "tag2pix-leave-one-out",
        "tag2pix",
        "Tag2Pix: leave-one-out ablation (N6–N8, N4 vs N5)",
        "Kim et al., supplement Table 2: removing any one component raises FID (N5 39.21; "
        "−CIT 44.20, −guide 46.41, −SECat 45.48, −two-step 42.29); all are needed for small "
        "parts such as eyes (N5 vs N7); without SECat 'the colors are not uniform' (N8).",
        rows=("tag2pix-n6", "tag2pix-n7", "tag2pix-n8", "tag2pix-n4", "tag2pix-n5"),
        headline=("tag2pix-n5",),
        metrics=TAG_METRICS,
        claims=(
            Claim("tag2pix-n5", "tag2pix-n6", "tag_accuracy", "FID 39.21 vs 44.20"),
            Claim("tag2pix-n5", "tag2pix-n7", "tag_accuracy", "FID 39.21 vs 46.41"),
            Claim("tag2pix-n5", "tag2pix-n8", "tag_accuracy", "FID 39.21 vs 45.48"),
            Claim("tag2pix-n5", "tag2pix-n4", "tag_accuracy", "FID 39.21 vs 42.29"),
            Claim("tag2pix-n5", "tag2pix-n7", "tag_accuracy/eyes", "eyes need all parts"),
            Claim("tag2pix-n5", "tag2pix-n8", "bleeding", "non-uniform colors without SECat"),
        ),
        shows="tag_output",
    ),
    Comparison(
        "tag2pix-decoders",
        "tag2pix",
        "Tag2Pix: the six decoder blocks (CVT embedding)",
        "Kim et al., Table 3: SECat has the lowest FID (39.21; Concat front 39.69, SE-ResNeXt "
        "45.48, Concat all 47.08, ResNeXt 52.49, AdaIN 66.39) with fewer parameters than "
        "Concat front/all and AdaIN.",
        rows=(
            "tag2pix-resnext",
            "tag2pix-n8",
            "tag2pix-concat_front",
            "tag2pix-concat_all",
            "tag2pix-adain",
            "tag2pix-n5",
        ),
        headline=("tag2pix-n5", "tag2pix-concat_front"),
        metrics=TAG_METRICS,
        claims=(
            Claim("tag2pix-n5", "tag2pix-concat_front", "tag_accuracy", "FID 39.21 vs 39.69"),
            Claim("tag2pix-n5", "tag2pix-n8", "tag_accuracy", "FID 39.21 vs 45.48"),
            Claim("tag2pix-n5", "tag2pix-concat_all", "tag_accuracy", "FID 39.21 vs 47.08"),
            Claim("tag2pix-n5", "tag2pix-resnext", "tag_accuracy", "FID 39.21 vs 52.49"),
            Claim("tag2pix-n5", "tag2pix-adain", "tag_accuracy", "FID 39.21 vs 66.39"),
        ),
        shows="tag_output",
        parameter_counts=True,
    ),
    Comparison(
        "cao-fusion",
        "cao",
        "Cao et al.: Tag2Pix vs Direct Concatenation vs Dual-branch",
        "Cao et al., Table 2 (user study, 1–5, higher is better): less color bleeding 1.66 / "
        "2.95 / 4.25 and tag accuracy 1.98 / 3.25 / 4.16 for Tag2Pix / Concat / Dual.",
        rows=("tag2pix-n5", "cao-direct", "cao-dual"),
        headline=("tag2pix-n5", "cao-dual"),
        metrics=TAG_METRICS,
        claims=(
            Claim("cao-dual", "tag2pix-n5", "bleeding", "less bleeding 4.25 vs 1.66"),
            Claim("cao-direct", "tag2pix-n5", "bleeding", "less bleeding 2.95 vs 1.66"),
            Claim("cao-dual", "cao-direct", "bleeding", "less bleeding 4.25 vs 2.95"),
            Claim("cao-dual", "tag2pix-n5", "tag_accuracy", "tag accuracy 4.16 vs 1.98"),
            Claim("cao-direct", "tag2pix-n5", "tag_accuracy", "tag accuracy 3.25 vs 1.98"),
            Claim("cao-dual", "cao-direct", "tag_accuracy", "tag accuracy 4.16 vs 3.25"),
        ),
        shows="tag_output",
    ),
    Comparison(
        "alacgan-local-features",
        "alacgan",
        "Ci et al.: with and without local features",
        "Ci et al., Table 1: FID without hints 57.06 with, 60.73 without the local features "
        "network (MOS 3.186 vs 2.955). Our stand-ins: PSNR of the hint-free colorization and "
        "hint accuracy.",
        rows=("alacgan-full", "alacgan-no-local"),
        headline=("alacgan-full", "alacgan-no-local"),
        metrics=STROKE_METRICS,
        claims=(
            Claim("alacgan-full", "alacgan-no-local", "psnr", "FID 57.06 vs 60.73"),
            Claim("alacgan-full", "alacgan-no-local", "hint_accuracy", "MOS 3.186 vs 2.955"),
        ),
        shows="hint_output",
    ),
    Comparison(
        "alacgan-adversarial",
        "alacgan",
        "Ci et al.: with and without the adversarial loss",
        "Ci et al., Table 1: FID without hints 57.06 with, 70.90 without the adversarial loss "
        "(MOS 3.186 vs 2.818); without it results 'lack saturation'.",
        rows=("alacgan-full", "alacgan-no-adversarial"),
        headline=("alacgan-full", "alacgan-no-adversarial"),
        metrics=STROKE_METRICS,
        claims=(
            Claim("alacgan-full", "alacgan-no-adversarial", "psnr", "FID 57.06 vs 70.90"),
            Claim("alacgan-full", "alacgan-no-adversarial", "hint_accuracy", "MOS 3.186 vs 2.818"),
        ),
        shows="hint_output",
    ),
    Comparison(
        "csa-module",
        "csa",
        "Yuan & Simo-Serra: with and without the CSA module",
        "Yuan & Simo-Serra, Table 1: FID 9.96 with, 13.91 without the proposed module.",
        rows=("csa-on", "csa-off"),
        headline=("csa-on", "csa-off"),
        metrics=STROKE_METRICS,
        claims=(
            Claim("csa-on", "csa-off", "hint_accuracy", "FID 9.96 vs 13.91"),
            Claim("csa-on", "csa-off", "psnr", "FID 9.96 vs 13.91"),
        ),
        shows="hint_output",
    ),
    Comparison(
        "yan-receiving",
        "yan",
        "Yan et al.: Attention vs Add receiving block",
        "Yan et al., Table 1: FID 11.24 (Attention) vs 11.85 (Add); 'the Attention model "
        "performs better in reference-based colourization'.",
        rows=("yan-attention", "yan-add"),
        headline=("yan-attention", "yan-add"),
        metrics=REFERENCE_METRICS,
        claims=(
            Claim("yan-attention", "yan-add", "reference_accuracy", "FID 11.24 vs 11.85"),
            Claim("yan-attention", "yan-add", "psnr", "FID 11.24 vs 11.85"),
        ),
        shows="reference_output",
    ),
    Comparison(
        "yan-rbca",
        "yan",
        "Yan et al.: with and without RBCA blocks",
        "Yan et al., Table 1: FID 11.24 with, 15.62 without RBCA (Attention model).",
        rows=("yan-attention", "yan-attention-no-rbca"),
        headline=("yan-attention", "yan-attention-no-rbca"),
        metrics=REFERENCE_METRICS,
        claims=(
            Claim(
                "yan-attention", "yan-attention-no-rbca", "reference_accuracy", "FID 11.24 vs 15.62"
            ),
            Claim("yan-attention", "yan-attention-no-rbca", "psnr", "FID 11.24 vs 15.62"),
        ),
        shows="reference_output",
    ),
    Comparison(
        "yan-sliders",
        "yan",
        "Yan et al.: slider response of M-Add vs M-Attention",
        "Yan et al., §4.5: M-Add 'can directly recover the missing latent codes' where "
        "M-Attention leaves parts uncolored (Fig. 14); second-training FID 11.98 vs 12.38.",
        rows=("yan-m-attention", "yan-m-add"),
        headline=("yan-m-attention", "yan-m-add"),
        metrics=("slider_within15", "slider_mean_de", "tag_accuracy", "psnr"),
        claims=(
            Claim("yan-m-add", "yan-m-attention", "slider_within15", "Fig. 14, FID 11.98 vs 12.38"),
            Claim("yan-m-add", "yan-m-attention", "slider_mean_de", "Fig. 14, FID 11.98 vs 12.38"),
        ),
        shows="tag_output",
    ),
)

PAPERS = ("tag2pix", "cao", "alacgan", "csa", "yan")


@dataclass(frozen=True)
class Plan:
    """The rows to run, in order (pre-training and --init rows before the rows that read them)."""

    rows: Mapping[str, Row]
    comparisons: tuple[Comparison, ...]

    def seeds(self, row_id: str, seeds: int) -> int:
        """Headline rows (and the rows they start from) get ``seeds`` seeds, the others one —
        judged over every comparison, so ``--only`` trains the same seeds as the whole report.
        Pre-trained feature nets are trained once, like the papers' downloaded ones."""
        row = self.rows[row_id]
        if row.recipe == "tagger":
            return 1
        headline = any(row_id in c.headline for c in COMPARISONS)
        dependents = [r for r in self.rows.values() if r.init == row_id]
        return max([seeds if headline else 1, *(self.seeds(r.id, seeds) for r in dependents)])

    def order(self) -> list[Row]:
        """Every row the comparisons need, each after the rows it depends on."""
        ordered: list[Row] = []

        def visit(row_id: str) -> None:
            row = self.rows[row_id]
            for dependency in (row.tagger, row.init):
                if dependency is not None:
                    visit(dependency)
            if row not in ordered:
                ordered.append(row)

        for row_id in sorted(
            {r for c in self.comparisons for r in c.rows}, key=lambda r: list(self.rows).index(r)
        ):
            visit(row_id)
        return ordered


def plan(only: str | None = None) -> Plan:
    """All comparisons, or only those of one paper (``PAPERS``)."""
    if only is not None and only not in PAPERS:
        raise ColorizerError(f"--only {only}: no such paper; choose one of {', '.join(PAPERS)}")
    return Plan(
        {row.id: row for row in ROWS},
        tuple(c for c in COMPARISONS if only is None or c.paper == only),
    )
