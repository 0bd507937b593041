"""Procedural anime characters: who they are (Character), how they stand (Pose), and the drawing of
their parts into label maps (``draw``).

Everything is built in "head units" (the head is about one unit tall, its centre at the origin,
y pointing down) and mapped to pixels by one similarity transform, so framing, scale, rotation,
mirroring and position are a single matrix. ``draw`` only rasterizes *which part is where*
(uint8 part ids, no anti-aliasing) plus a few masks that painting and line art need: shading and
highlight hints, the iris interior, inner detail strokes (hair strands, folds, pupils, brows) and
solid ink (eyelashes). Colors are applied later (synthetic_paint), so the same drawing can be
painted with any tag values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

PARTS = (
    "background",
    "skin",
    "hair",
    "eyes",
    "eye_whites",
    "mouth",
    "top",
    "bottom",
    "legwear",
    "footwear",
    "hat",
    "bow",
    "neckwear",
    "gloves",
)
PID = {name: i for i, name in enumerate(PARTS)}

# Iris interior tones (Drawing.tones), painted only where the label is "eyes".
TONE_SHADOW, TONE_PUPIL, TONE_SHINE, TONE_GLOW = 1, 2, 3, 4

HAIR_STYLES = ("short", "medium", "long", "twintails", "ponytail")
BANGS = ("blunt", "parted", "swept")
_SHIFT = 3  # fractional bits for cv2 polygon coordinates: sub-pixel exact shapes
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Character:
    """The identity of a character: shapes and proportions that a re-posed reference keeps."""

    hair_style: str
    hair_length: float  # head units below the crown for long hair / tails
    hair_volume: float
    bangs: str
    bang_tips: tuple[tuple[float, float], ...]  # (x offset, depth) per lock tip
    side_lock: float  # how far the side locks hang (y, head units)
    ahoge: bool
    face_width: float
    eye_size: tuple[float, float]  # (width, height) in head units
    iris_scale: float
    eye_tilt: float
    mouth: str  # "closed" | "smile" | "open"
    shoulders: float
    leg_length: float
    sleeves: str  # "long" | "short" | "sleeveless"
    collar: str  # "round" | "v"
    top_length: float
    bottom: str  # "skirt" | "pants"
    skirt_length: float
    skirt_flare: float
    legwear: str | None  # "thighhighs" | "kneehighs" | None
    boots: bool
    hat: str | None  # "witch_hat" | "beret" | "baseball_cap" | None
    bow: bool
    neckwear: str | None  # "necktie" | "neck_ribbon" | None
    gloves: str | None  # "gloves" | "elbow_gloves" | None
    strand_seed: int  # fixes the hair strand lines and fold lines across poses
    eye_style: str = "classic"  # "classic" (small round irises) | "anime" (see anime_eyes)


@dataclass(frozen=True)
class Pose:
    """One rendering of a character: framing, placement and limb angles."""

    framing: str  # "bust" | "full"
    scale: float  # pixels per head unit on the drawing canvas
    center: tuple[float, float]  # canvas position of the head centre
    rotation: float  # radians, whole figure
    flip: bool
    head_tilt: float  # radians, head about the neck
    yaw: float  # −1..1 share of a quarter turn: face features shift sideways
    gaze: float
    arms: tuple[tuple[float, float], tuple[float, float]]  # (upper, fore) angles from straight down
    legs: tuple[tuple[float, float], tuple[float, float]]


@dataclass
class Drawing:
    """Rasterized parts on the (2× oversampled) canvas."""

    labels: np.ndarray  # (S, S) uint8 part ids
    shadow: np.ndarray  # (S, S) uint8: 1 where a shape casts a fixed shadow (neck under chin)
    highlight: np.ndarray  # (S, S) uint8: 1 on the hair's highlight band
    tones: np.ndarray  # (S, S) uint8: iris interior tones (TONE_*)
    details: np.ndarray  # (S, S) uint8: inner strokes, value = the part they belong to
    solid: np.ndarray  # (S, S) uint8: 255 where solid ink (lashes) lies
    scale: float  # pixels per head unit


def anime_eyes(rng: np.random.Generator, ch: Character) -> Character:
    """``ch`` with the eyes of real anime line art, which the classic ones lack: large and
    taller than wide, the iris filling the eye's height, highlights drawn as outlined ovals,
    the iris top hatched, a heavy upper lash with spikes at the corner and a lower lash line."""
    return replace(
        ch,
        eye_style="anime",
        eye_size=(float(rng.uniform(0.2, 0.28)), float(rng.uniform(0.24, 0.33))),
        iris_scale=float(rng.uniform(1.15, 1.4)),
    )


def sample_character(rng: np.random.Generator) -> Character:
    style = str(rng.choice(HAIR_STYLES, p=[0.24, 0.16, 0.26, 0.17, 0.17]))
    n_tips = int(rng.integers(4, 8))
    tips = tuple(
        (float(rng.uniform(-0.03, 0.03)), float(rng.uniform(0.0, 1.0))) for _ in range(n_tips)
    )
    bottom = "skirt" if rng.random() < 0.68 else "pants"
    legwear = None
    if bottom == "skirt":
        legwear = [None, "thighhighs", "kneehighs"][int(rng.choice(3, p=[0.3, 0.4, 0.3]))]
    return Character(
        hair_style=style,
        hair_length=float(rng.uniform(1.6, 3.4)),
        hair_volume=float(rng.uniform(1.0, 1.14)),
        bangs=str(rng.choice(BANGS, p=[0.4, 0.3, 0.3])),
        bang_tips=tips,
        side_lock=float(rng.uniform(0.25, 1.1)),
        ahoge=bool(rng.random() < 0.3),
        face_width=float(rng.uniform(0.84, 0.96)),
        eye_size=(float(rng.uniform(0.17, 0.22)), float(rng.uniform(0.17, 0.25))),
        iris_scale=float(rng.uniform(0.85, 1.1)),
        eye_tilt=float(rng.uniform(-0.03, 0.05)),
        mouth=str(rng.choice(["closed", "smile", "open"], p=[0.35, 0.35, 0.3])),
        shoulders=float(rng.uniform(0.4, 0.52)),
        leg_length=float(rng.uniform(0.95, 1.15)),
        sleeves=str(rng.choice(["long", "short", "sleeveless"], p=[0.45, 0.35, 0.2])),
        collar=str(rng.choice(["round", "v"])),
        top_length=float(rng.uniform(1.95, 2.35)),
        bottom=bottom,
        skirt_length=float(rng.uniform(0.7, 1.5)),
        skirt_flare=float(rng.uniform(0.12, 0.4)),
        legwear=legwear,
        boots=bool(rng.random() < 0.3),
        hat=[None, "witch_hat", "beret", "baseball_cap"][
            int(rng.choice(4, p=[0.62, 0.13, 0.13, 0.12]))
        ],
        bow=bool(rng.random() < 0.35),
        neckwear=[None, "necktie", "neck_ribbon"][int(rng.choice(3, p=[0.45, 0.27, 0.28]))],
        gloves=[None, "gloves", "elbow_gloves"][int(rng.choice(3, p=[0.75, 0.13, 0.12]))],
        strand_seed=int(rng.integers(2**31)),
    )


def _arm(rng: np.random.Generator) -> tuple[float, float]:
    kind = rng.choice(4, p=[0.45, 0.2, 0.15, 0.2])
    if kind == 0:  # hanging, slightly bent
        upper = rng.uniform(0.08, 0.4)
        return float(upper), float(upper + rng.uniform(-0.15, 0.5))
    if kind == 1:  # hand on the hip
        upper = rng.uniform(0.5, 0.8)
        return float(upper), float(upper - rng.uniform(1.4, 1.9))
    if kind == 2:  # raised, waving
        upper = rng.uniform(1.9, 2.7)
        return float(upper), float(upper + rng.uniform(-0.5, 0.5))
    upper = rng.uniform(0.7, 1.4)  # reaching out
    return float(upper), float(upper + rng.uniform(-0.3, 0.6))


def sample_pose(rng: np.random.Generator, framing: str, canvas: int) -> Pose:
    if framing == "bust":
        head_px = canvas * rng.uniform(0.3, 0.46)
        center = (canvas * rng.uniform(0.36, 0.64), canvas * rng.uniform(0.3, 0.42))
        rotation = rng.uniform(-0.25, 0.25)
    else:
        head_px = canvas * rng.uniform(0.8, 0.93) / 6.3
        center = (canvas * rng.uniform(0.4, 0.6), canvas * rng.uniform(0.47, 0.53) - head_px * 2.45)
        rotation = rng.uniform(-0.18, 0.18)
    spread = rng.uniform(0.02, 0.2, size=2)
    if rng.random() < 0.3:
        spread[int(rng.integers(2))] = rng.uniform(-0.08, 0.02)
    legs = (
        (float(spread[0]), float(spread[0] + rng.uniform(-0.12, 0.12))),
        (float(spread[1]), float(spread[1] + rng.uniform(-0.12, 0.12))),
    )
    return Pose(
        framing=framing,
        scale=float(head_px),
        center=(float(center[0]), float(center[1])),
        rotation=float(rotation),
        flip=bool(rng.random() < 0.5),
        head_tilt=float(rng.uniform(-0.2, 0.2)),
        yaw=float(rng.uniform(-0.6, 0.6)),
        gaze=float(rng.uniform(-0.5, 0.5)),
        arms=(_arm(rng), _arm(rng)),
        legs=legs,
    )


def _ellipse(
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    angle: float = 0.0,
    n: int = 28,
    a0: float = 0.0,
    a1: float = 2 * math.pi,
) -> np.ndarray:
    t = np.linspace(a0, a1, n, endpoint=not (a0 == 0.0 and a1 == 2 * math.pi))
    x, y = rx * np.cos(t), ry * np.sin(t)
    c, s = math.cos(angle), math.sin(angle)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1)


def _capsule(p0, p1, w0: float, w1: float, n: int = 8) -> np.ndarray:
    """A tapered limb from p0 (half-width w0) to p1 (half-width w1), round ends."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    a = math.atan2(d[1], d[0])
    cap1 = _ellipse(p1[0], p1[1], w1, w1, 0, n, a - math.pi / 2, a + math.pi / 2)
    cap0 = _ellipse(p0[0], p0[1], w0, w0, 0, n, a + math.pi / 2, a + 3 * math.pi / 2)
    return np.concatenate([cap1, cap0])


def _direction(angle: float, side: float) -> np.ndarray:
    """Unit vector at ``angle`` from straight down, outward on ``side`` (+1 right, −1 left)."""
    return np.array([side * math.sin(angle), math.cos(angle)])


class _Pen:
    """Draws shapes given in head units onto the canvases through the pose's transform."""

    def __init__(self, size: int, pose: Pose):
        self.size = size
        self.d = Drawing(
            labels=np.zeros((size, size), np.uint8),
            shadow=np.zeros((size, size), np.uint8),
            highlight=np.zeros((size, size), np.uint8),
            tones=np.zeros((size, size), np.uint8),
            details=np.zeros((size, size), np.uint8),
            solid=np.zeros((size, size), np.uint8),
            scale=pose.scale,
        )
        c, s = math.cos(pose.rotation), math.sin(pose.rotation)
        fx = -1.0 if pose.flip else 1.0
        k = pose.scale
        self.body = np.array(
            [[k * c * fx, -k * s, pose.center[0]], [k * s * fx, k * c, pose.center[1]]]
        )
        # the head turns about the neck (0, 0.45) before the body transform
        hc, hs = math.cos(pose.head_tilt), math.sin(pose.head_tilt)
        tilt = np.array([[hc, -hs], [hs, hc]])
        pivot = np.array([0.0, 0.45])
        offset = pivot - tilt @ pivot
        self.head = np.concatenate(
            [self.body[:, :2] @ tilt, (self.body[:, :2] @ offset + self.body[:, 2])[:, None]],
            axis=1,
        )
        self.m = self.body  # the transform in use: body or head
        self.thick = k  # pixels per head unit, for stroke widths

    def _px(self, pts: np.ndarray) -> np.ndarray:
        p = np.asarray(pts, float) @ self.m[:, :2].T + self.m[:, 2]
        return np.round(p * _ONE).astype(np.int32)

    def fill(self, canvas: np.ndarray, pts: np.ndarray, value: int) -> None:
        cv2.fillPoly(canvas, [self._px(pts)], int(value), cv2.LINE_8, _SHIFT)

    def part(self, part: str, pts: np.ndarray) -> None:
        self.fill(self.d.labels, pts, PID[part])

    def stroke(
        self, canvas: np.ndarray, pts: np.ndarray, value: int, width: float, closed: bool = False
    ) -> None:
        """A polyline ``width`` head units wide (at least one pixel)."""
        t = max(1, int(round(width * self.thick)))
        cv2.polylines(canvas, [self._px(pts)], closed, int(value), t, cv2.LINE_8, _SHIFT)


def _smooth_curve(points: list[tuple[float, float]], n: int = 12) -> np.ndarray:
    """A Catmull-Rom curve through the points, for hair locks and folds."""
    p = np.asarray(points, float)
    p = np.concatenate([p[:1], p, p[-1:]])
    out = []
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5
            * (
                (2 * p1)
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
            )
        )
    out.append(p[-2:-1])
    return np.concatenate(out)


def _hair_back(pen: _Pen, ch: Character, rng: np.random.Generator) -> None:
    v = ch.hair_volume
    top = _ellipse(0, -0.08, 0.55 * v, 0.58 * v, 0, 24, math.pi, 2 * math.pi)
    if ch.hair_style in ("short", "ponytail", "twintails"):
        bottom_y = 0.35 + 0.2 * ch.side_lock
        width = 0.54 * v
    elif ch.hair_style == "medium":
        bottom_y, width = 1.0 + 0.3 * ch.side_lock, 0.66 * v
    else:
        bottom_y, width = 0.9 + ch.hair_length, 0.62 * v + 0.08 * ch.hair_length
    # sides bulge just below the head, then taper into pointed locks
    right = _smooth_curve(
        [
            (0.55 * v, -0.08),
            (width * 1.05, 0.25),
            (width * 1.02, bottom_y * 0.55),
            (width * 0.82, bottom_y),
        ],
        6,
    )
    n = 7
    xs = np.linspace(width * 0.82, -width * 0.82, n)
    locks = [
        (x, bottom_y - (0.05 + 0.05 * bottom_y) * (i % 2) - 0.03 * abs(x)) for i, x in enumerate(xs)
    ][1:-1]
    left = right[::-1] * [-1, 1]
    shape = np.concatenate([top, right, locks, left])
    pen.part("hair", shape)
    strands = []
    if ch.hair_style in ("long", "medium"):
        for x in np.linspace(-0.8, 0.8, 5) * width:
            strands.append(
                _smooth_curve(
                    [(x * 0.9, 0.5), (x * 1.02, (0.5 + bottom_y) / 2), (x * 0.95, bottom_y - 0.15)],
                    6,
                )
            )
    if ch.hair_style == "twintails":
        for side in (-1.0, 1.0):
            root = np.array([side * 0.47 * v, -0.28])
            length = ch.hair_length
            mid = root + [side * 0.35, length * 0.45]
            end = root + [side * 0.18, length]
            left = _smooth_curve(
                [tuple(root + [-side * 0.05, -0.08]), tuple(mid + [side * 0.18, 0]), tuple(end)], 8
            )
            right = _smooth_curve(
                [
                    tuple(end + [-side * 0.08, -0.15]),
                    tuple(mid - [side * 0.15, 0]),
                    tuple(root + [-side * 0.04, 0.12]),
                ],
                8,
            )
            pen.part("hair", np.concatenate([left, right]))
            strands.append(
                _smooth_curve(
                    [
                        tuple(root + [side * 0.05, 0.1]),
                        tuple(mid),
                        tuple(end + [-side * 0.03, -0.2]),
                    ],
                    6,
                )
            )
    if ch.hair_style == "ponytail":
        side = 1.0 if rng.random() < 0.5 else -1.0
        root = np.array([side * 0.4 * v, -0.45])
        length = ch.hair_length * 0.8
        mid = root + [side * 0.45, length * 0.4]
        end = root + [side * 0.3, length]
        outer = _smooth_curve([tuple(root), tuple(mid + [side * 0.17, 0]), tuple(end)], 8)
        inner = _smooth_curve(
            [
                tuple(end + [-side * 0.1, -0.2]),
                tuple(mid - [side * 0.1, 0]),
                tuple(root + [-side * 0.15, 0.2]),
            ],
            8,
        )
        pen.part("hair", np.concatenate([outer, inner]))
        strands.append(
            _smooth_curve(
                [tuple(root + [side * 0.05, 0.1]), tuple(mid), tuple(end + [0, -0.25])], 6
            )
        )
    for s in strands:
        pen.stroke(pen.d.details, s, PID["hair"], 0.012)


def _legs(pen: _Pen, ch: Character, pose: Pose) -> None:
    thigh, shin = 1.35 * ch.leg_length, 1.3 * ch.leg_length
    for side, (a_thigh, a_shin) in zip((1.0, -1.0), pose.legs, strict=False):
        hip = np.array([side * 0.19, 2.45])
        knee = hip + thigh * _direction(a_thigh, side)
        ankle = knee + shin * _direction(a_shin, side)
        foot_c = ankle + [side * 0.06, 0.08]
        pen.part("skin", _capsule(hip, knee, 0.19, 0.12))
        pen.part("skin", _capsule(knee, ankle, 0.12, 0.075))
        pen.part("skin", _ellipse(foot_c[0], foot_c[1], 0.12, 0.07, side * 0.3))
        if ch.legwear:
            start = (
                hip + (knee - hip) * 0.45
                if ch.legwear == "thighhighs"
                else knee + (ankle - knee) * 0.2
            )
            w_start = 0.155 if ch.legwear == "thighhighs" else 0.115
            if ch.legwear == "thighhighs":
                pen.part("legwear", _capsule(start, knee, w_start, 0.125))
            pen.part(
                "legwear",
                _capsule(
                    knee if ch.legwear == "thighhighs" else start,
                    ankle,
                    0.125 if ch.legwear == "thighhighs" else w_start,
                    0.08,
                ),
            )
            pen.part("legwear", _ellipse(foot_c[0], foot_c[1], 0.125, 0.075, side * 0.3))
        if ch.boots:
            top = knee + (ankle - knee) * 0.3
            pen.part("footwear", _capsule(top, ankle, 0.125, 0.09))
        pen.part(
            "footwear", _ellipse(foot_c[0] + side * 0.03, foot_c[1] + 0.02, 0.15, 0.085, side * 0.3)
        )


def _bottom(pen: _Pen, ch: Character, pose: Pose) -> None:
    if ch.bottom == "skirt":
        waist, hem = 1.95, 1.95 + ch.skirt_length
        hw = 0.32
        flare = 0.42 + ch.skirt_flare + 0.2 * ch.skirt_length
        n = 9
        xs = np.linspace(flare, -flare, n)
        hem_pts = [(x, hem + (0.05 if i % 2 else 0.0)) for i, x in enumerate(xs)]
        pen.part("bottom", np.array([(hw, waist), *hem_pts, (-hw, waist)]))
        for i in range(1, n - 1, 2):  # pleat folds from the waist towards the hem
            x = xs[i]
            pen.stroke(
                pen.d.details,
                np.array([(x * hw / flare * 1.1, waist + 0.15), (x * 0.97, hem - 0.02)]),
                PID["bottom"],
                0.012,
            )
        return
    thigh, shin = 1.35 * ch.leg_length, 1.3 * ch.leg_length
    pen.part(
        "bottom", np.array([(0.33, 1.95), (0.45, 2.45), (0.0, 2.6), (-0.45, 2.45), (-0.33, 1.95)])
    )
    for side, (a_thigh, a_shin) in zip((1.0, -1.0), pose.legs, strict=False):
        hip = np.array([side * 0.19, 2.45])
        knee = hip + thigh * _direction(a_thigh, side)
        ankle = knee + (shin - 0.12) * _direction(a_shin, side)
        pen.part("bottom", _capsule(hip, knee, 0.24, 0.155))
        pen.part("bottom", _capsule(knee, ankle, 0.155, 0.115))
        pen.stroke(
            pen.d.details,
            np.array([knee - [0.06, 0.08], knee + [0.05, 0.05]]),
            PID["bottom"],
            0.012,
        )


def _torso(pen: _Pen, ch: Character) -> None:
    sw = ch.shoulders
    pen.part("skin", _capsule((0, 0.3), (0, 0.9), 0.1, 0.11))
    pen.fill(pen.d.shadow, _ellipse(0, 0.5, 0.14, 0.14), 1)  # the chin's shadow on the neck
    hem = ch.top_length
    torso = np.array(
        [
            (sw, 0.86),
            (sw * 0.98, 1.05),
            (sw * 0.82, 1.5),
            (0.31, 1.95),
            (0.36, hem),
            (0.0, hem + 0.04),
            (-0.36, hem),
            (-0.31, 1.95),
            (-sw * 0.82, 1.5),
            (-sw * 0.98, 1.05),
            (-sw, 0.86),
            (-0.15, 0.78),
            (0.15, 0.78),
        ]
    )
    pen.part("top", torso)
    if ch.collar == "v":
        pen.part("skin", np.array([(-0.13, 0.78), (0.13, 0.78), (0.0, 1.12)]))
    else:
        pen.part("skin", _ellipse(0, 0.8, 0.14, 0.1))
    pen.stroke(
        pen.d.details,
        _smooth_curve([(sw * 0.5, 1.35), (sw * 0.55, 1.55), (0.3, 1.8)], 5),
        PID["top"],
        0.01,
    )
    pen.stroke(pen.d.details, np.array([(-0.2, hem - 0.25), (-0.1, hem - 0.05)]), PID["top"], 0.01)


def _arms(pen: _Pen, ch: Character, pose: Pose) -> None:
    sw = ch.shoulders
    for side, (a_up, a_fore) in zip((1.0, -1.0), pose.arms, strict=False):
        shoulder = np.array([side * (sw - 0.09), 0.95])
        elbow = shoulder + 0.95 * _direction(a_up, side)
        wrist = elbow + 0.85 * _direction(a_fore, side)
        hand = wrist + 0.1 * _direction(a_fore, side)
        pen.part("skin", _capsule(shoulder, elbow, 0.12, 0.09))
        pen.part("skin", _capsule(elbow, wrist, 0.09, 0.065))
        pen.part(
            "skin",
            _ellipse(
                hand[0], hand[1], 0.09, 0.11, math.atan2(*(wrist - elbow)[::-1]) - math.pi / 2
            ),
        )
        if ch.sleeves != "sleeveless":
            pen.part(
                "top",
                _capsule(
                    shoulder - [side * 0.02, 0.02],
                    elbow if ch.sleeves == "long" else shoulder + (elbow - shoulder) * 0.55,
                    0.14,
                    0.115 if ch.sleeves == "long" else 0.13,
                ),
            )
        if ch.sleeves == "long":
            pen.part("top", _capsule(elbow, wrist - (wrist - elbow) * 0.05, 0.115, 0.1))
            pen.stroke(
                pen.d.details,
                np.array([elbow - [0.05, 0.02], elbow + [0.04, 0.05]]),
                PID["top"],
                0.01,
            )
        if ch.gloves:
            if ch.gloves == "elbow_gloves":
                pen.part("gloves", _capsule(elbow + (wrist - elbow) * 0.1, wrist, 0.095, 0.07))
            pen.part(
                "gloves",
                _ellipse(
                    hand[0], hand[1], 0.1, 0.12, math.atan2(*(wrist - elbow)[::-1]) - math.pi / 2
                ),
            )
            pen.part("gloves", _capsule(wrist - (wrist - elbow) * 0.08, wrist, 0.075, 0.075))


def _neckwear(pen: _Pen, ch: Character) -> None:
    if ch.neckwear == "necktie":
        pen.part("neckwear", np.array([(-0.06, 0.8), (0.06, 0.8), (0.045, 0.9), (-0.045, 0.9)]))
        pen.part(
            "neckwear", np.array([(-0.04, 0.9), (0.04, 0.9), (0.08, 1.5), (0.0, 1.6), (-0.08, 1.5)])
        )
    elif ch.neckwear == "neck_ribbon":
        pen.part("neckwear", np.array([(0, 0.85), (0.22, 0.74), (0.25, 0.95)]))
        pen.part("neckwear", np.array([(0, 0.85), (-0.22, 0.74), (-0.25, 0.95)]))
        pen.part(
            "neckwear",
            np.array(
                [
                    (0.02, 0.86),
                    (0.12, 1.2),
                    (0.03, 1.17),
                    (-0.02, 0.86),
                    (-0.12, 1.2),
                    (-0.03, 1.17),
                ]
            ),
        )
        pen.part("neckwear", _ellipse(0, 0.85, 0.05, 0.045))


def _anime_eye_details(
    pen: _Pen,
    iris: tuple[float, float, float, float],
    shine: np.ndarray,
    xs: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    side: float,
) -> None:
    """The lines real line art draws in and around an anime eye (``anime_eyes``)."""
    ix, iy, irx, iry = iris
    pen.stroke(pen.d.details, shine, PID["eyes"], 0.008, closed=True)
    for k in range(5):  # hatching under the upper lid
        x = ix + irx * (k - 2) * 0.3
        top = iy - iry * (0.75 - 0.08 * abs(k - 2))
        pen.stroke(pen.d.details, np.array([(x, top), (x, top + iry * 0.3)]), PID["eyes"], 0.007)
    for k in (1, 2):  # spikes at the outer corner
        end = (xs[-1] + 0.035 * k * side, upper[-1] - 0.02 * k)
        pen.stroke(pen.d.solid, np.array([(xs[-2], upper[-2]), end]), 255, 0.02)
    lower_lash = np.stack([xs[3:-1], lower[3:-1]], 1)
    pen.stroke(pen.d.details, lower_lash, PID["skin"], 0.012)


def _face(pen: _Pen, ch: Character, pose: Pose) -> float:
    """Face skin and features; returns the x offset of the features (the turn of the head)."""
    fw = 0.45 * ch.face_width
    t = np.linspace(0, 2 * math.pi, 40, endpoint=False)
    x = fw * np.cos(t)
    y = np.where(np.sin(t) < 0, 0.52 * np.sin(t), 0.5 * np.sin(t))
    x = np.where(np.sin(t) > 0, x * (1 - 0.45 * np.sin(t) ** 3), x)
    face = np.stack([x, y + 0.02], 1)
    pen.part("skin", face)
    pen.fill(pen.d.shadow, face, 0)  # the chin's shadow falls on the neck only
    for side in (-1.0, 1.0):  # ears
        pen.part("skin", _ellipse(side * fw * 0.98, 0.12, 0.06, 0.1))
    shift = 0.11 * pose.yaw
    ew, eh = ch.eye_size
    for side in (-1.0, 1.0):
        near = 1.0 + 0.12 * side * pose.yaw
        cx, cy = side * 0.2 * ch.face_width + shift, 0.13
        w, h = ew * near, eh
        tt = np.linspace(0, 1, 12)
        xs = cx + (tt - 0.5) * w * side
        tilt = ch.eye_tilt * (tt - 0.5) * 2
        upper = cy - h * 0.5 * np.sin(math.pi * tt) ** 0.55 - tilt
        lower = cy + h * 0.48 * np.sin(math.pi * tt) ** 1.3 - tilt * 0.5
        eye = np.concatenate([np.stack([xs, upper], 1), np.stack([xs, lower], 1)[::-1]])
        pen.part("eye_whites", eye)
        anime = ch.eye_style == "anime"
        irx, iry = w * (0.3 if anime else 0.36) * ch.iris_scale, h * 0.55 * ch.iris_scale
        ix, iy = cx + pose.gaze * w * 0.12, cy + h * 0.06
        iris = _ellipse(ix, iy, irx, iry, 0, 24)
        tmp = np.zeros_like(pen.d.labels)
        pen.fill(tmp, iris, 1)
        pen.d.labels[(tmp == 1) & (pen.d.labels == PID["eye_whites"])] = PID["eyes"]
        # interior tones kept small, so that most of the iris shows its flat (tagged) color
        top_arc = _ellipse(ix, iy, irx, iry, 0, 12, math.pi, 2 * math.pi)
        pen.fill(
            pen.d.tones,
            np.concatenate([top_arc, [[ix + irx, iy - iry * 0.5], [ix - irx, iy - iry * 0.5]]]),
            TONE_SHADOW,
        )
        pen.fill(pen.d.tones, _ellipse(ix, iy + iry * 0.62, irx * 0.55, iry * 0.2), TONE_GLOW)
        pen.fill(pen.d.tones, _ellipse(ix, iy, irx * 0.34, iry * 0.36), TONE_PUPIL)
        pen.stroke(
            pen.d.details,
            _ellipse(ix, iy, irx * 0.34, iry * 0.36, 0, 16),
            PID["eyes"],
            0.008,
            closed=True,
        )
        shine = _ellipse(ix - irx * 0.35, iy - iry * 0.3, irx * 0.26, iry * 0.18)
        pen.fill(pen.d.tones, shine, TONE_SHINE)
        pen.fill(
            pen.d.tones,
            _ellipse(ix + irx * 0.35, iy + iry * 0.45, irx * 0.13, irx * 0.13),
            TONE_SHINE,
        )
        lash = np.stack([xs, upper], 1)
        lash = np.concatenate([lash[1:], [[xs[-1] + 0.03 * side, upper[-1] - 0.04]]])
        pen.stroke(pen.d.solid, lash, 255, 0.045 if anime else 0.028)
        if anime:
            _anime_eye_details(pen, (ix, iy, irx, iry), shine, xs, upper, lower, side)
        brow_y = cy - h * 0.5 - 0.09
        pen.stroke(
            pen.d.details,
            _smooth_curve(
                [
                    (cx - 0.07 * side, brow_y + 0.015),
                    (cx, brow_y - 0.01),
                    (cx + 0.08 * side, brow_y + 0.02),
                ],
                4,
            ),
            PID["skin"],
            0.012,
        )
    pen.stroke(
        pen.d.details,
        np.array([(shift * 1.3, 0.3), (shift * 1.3 - 0.015, 0.32)]),
        PID["skin"],
        0.012,
    )
    mx, my = shift * 1.2, 0.4
    if ch.mouth == "open":
        pen.part(
            "mouth",
            np.concatenate([[[mx - 0.07, my]], _ellipse(mx, my, 0.07, 0.06, 0, 10, 0, math.pi)]),
        )
    else:
        curve = 0.02 if ch.mouth == "smile" else 0.0
        pen.stroke(
            pen.d.details,
            np.array([(mx - 0.05, my), (mx, my + curve), (mx + 0.05, my)]),
            PID["skin"],
            0.012,
        )
    return shift


def _hair_front(pen: _Pen, ch: Character, shift: float, rng: np.random.Generator) -> None:
    v = ch.hair_volume
    rx, ry = 0.53 * v, 0.6 * v
    crown = _ellipse(0, -0.06, rx, ry, 0, 22, math.pi * 1.02, math.pi * 1.98)
    side_y = 0.15 + ch.side_lock
    n = len(ch.bang_tips)
    edge = []
    part_at = int(rng.integers(1, n)) if ch.bangs == "parted" else -1
    xs = np.linspace(0.42 * v, -0.42 * v, n + 1)
    slant = 0.08 if ch.bangs == "swept" else 0.0
    for i in range(n):
        dx, depth = ch.bang_tips[i]
        valley_y = -0.2 if ch.bangs != "blunt" else -0.02
        if i == part_at:
            valley_y = -0.42
        edge.append((xs[i], valley_y))
        tip_y = 0.02 + 0.07 * depth if ch.bangs != "blunt" else 0.04 + 0.02 * depth
        edge.append(((xs[i] + xs[i + 1]) / 2 + dx + slant + shift * 0.5, tip_y))
    edge.append((xs[-1], -0.2))
    right_lock = [
        (rx * 1.0, -0.05),
        (rx * 0.98, side_y * 0.5),
        (rx * 0.92, side_y),
        (rx * 0.78, side_y * 0.6),
        (0.42 * v, 0.0),
    ]
    left_lock = [
        (-0.42 * v, 0.0),
        (-rx * 0.78, side_y * 0.6),
        (-rx * 0.92, side_y),
        (-rx * 0.98, side_y * 0.5),
        (-rx * 1.0, -0.05),
    ]
    shape = np.concatenate([crown, right_lock, edge, left_lock])
    pen.part("hair", shape)
    if ch.ahoge:
        pen.part(
            "hair",
            np.array([(0.02, -0.6), (0.1, -0.85), (0.22, -0.9), (0.12, -0.82), (0.06, -0.6)]),
        )
    # highlight band across the crown, zigzag on its lower edge
    hl_top = _ellipse(0, -0.06, rx * 0.95, ry * 0.7, 0, 12, math.pi * 1.1, math.pi * 1.9)
    zig = [
        (x, -0.3 + (0.06 if i % 2 else 0.0))
        for i, x in enumerate(np.linspace(rx * 0.7, -rx * 0.7, 9))
    ]
    pen.fill(pen.d.highlight, np.concatenate([hl_top, zig]), 1)
    for i in range(n):  # strand lines from the crown into the bang tips
        tip = edge[2 * i + 1]
        pen.stroke(
            pen.d.details,
            _smooth_curve(
                [(tip[0] * 0.3, -0.5), (tip[0] * 0.85, -0.22), (tip[0], tip[1] - 0.08)], 5
            ),
            PID["hair"],
            0.01,
        )
    for side in (-1.0, 1.0):
        pen.stroke(
            pen.d.details,
            _smooth_curve([(side * rx * 0.85, -0.15), (side * rx * 0.9, side_y * 0.7)], 4),
            PID["hair"],
            0.01,
        )


def _hat(pen: _Pen, ch: Character) -> None:
    if ch.hat == "witch_hat":
        pen.part(
            "hat",
            np.array([(-0.45, -0.45), (-0.15, -1.2), (0.25, -1.75), (0.12, -1.2), (0.45, -0.45)]),
        )
        pen.part("hat", _ellipse(0, -0.45, 0.9, 0.17))
        pen.stroke(
            pen.d.details,
            _smooth_curve([(-0.4, -0.58), (0, -0.52), (0.4, -0.58)], 4),
            PID["hat"],
            0.012,
        )
    elif ch.hat == "beret":
        pen.part("hat", _ellipse(0.08, -0.6, 0.62, 0.24, -0.15))
        pen.part("hat", _ellipse(0.08, -0.86, 0.05, 0.05))
    elif ch.hat == "baseball_cap":
        pen.part("hat", _ellipse(0, -0.38, 0.56, 0.42, 0, 20, math.pi, 2 * math.pi))
        pen.part("hat", _ellipse(0, -0.36, 0.6, 0.12, 0, 20, 0, math.pi))
        pen.stroke(pen.d.details, np.array([(0, -0.8), (0, -0.4)]), PID["hat"], 0.01)


def _bow(pen: _Pen, ch: Character) -> None:
    if ch.hair_style == "twintails":
        spots = [(0.47 * ch.hair_volume, -0.3), (-0.47 * ch.hair_volume, -0.3)]
    else:
        spots = [(0.38, -0.52)]
    for x, y in spots:
        pen.part("bow", np.array([(x, y), (x + 0.2, y - 0.14), (x + 0.22, y + 0.1)]))
        pen.part("bow", np.array([(x, y), (x - 0.2, y - 0.14), (x - 0.22, y + 0.1)]))
        pen.part("bow", _ellipse(x, y, 0.05, 0.05))


def draw(ch: Character, pose: Pose, size: int) -> Drawing:
    """Rasterize the character in ``pose`` on a ``size``² canvas (part ids in z-order)."""
    rng = np.random.default_rng(ch.strand_seed)  # same locks and folds in every pose
    pen = _Pen(size, pose)
    pen.m = pen.head
    _hair_back(pen, ch, rng)
    pen.m = pen.body
    _legs(pen, ch, pose)
    _bottom(pen, ch, pose)
    _torso(pen, ch)
    _arms(pen, ch, pose)
    _neckwear(pen, ch)
    pen.m = pen.head
    shift = _face(pen, ch, pose)
    _hair_front(pen, ch, shift, rng)
    if ch.hat:
        _hat(pen, ch)
    if ch.bow:
        _bow(pen, ch)
    return pen.d
