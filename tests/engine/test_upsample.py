"""Upsampling the working-size colors along the full-resolution regions: the result is at the
drawing's size, edges stay where the lines are, and bleeding at the original size is no worse
than at the working size (where plain bilinear upsampling bleeds much more)."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from colorizer_app.engine.flatfill import Decided
from colorizer_app.engine.upsample import (
    DECIDED_SHADING,
    STROKE_PART_SHARE,
    HeldColor,
    RegionConsistency,
    RegionUpsampler,
    upsample_color,
)
from colorizer_app.imaging.color import delta_e, srgb_to_lab
from colorizer_app.imaging.regions import segment_regions
from training.evaluation.metrics import bleeding

SIZE, WORKING, SCALE = 512, 128, 4


@pytest.fixture(scope="module")
def synthetic():
    """Separate filled shapes with 4-px outlines on white: (ink, regions, true colors)."""
    rng = np.random.default_rng(3)
    ink = np.zeros((SIZE, SIZE), np.uint8)
    color = np.full((SIZE, SIZE, 3), 255, np.uint8)
    for row in range(3):
        for col in range(3):
            cx, cy = 90 + col * 165, 90 + row * 165
            fill = tuple(int(v) for v in rng.integers(0, 256, 3))
            if (row + col) % 2:
                cv2.circle(color, (cx, cy), 65, fill, -1)
                cv2.circle(ink, (cx, cy), 65, 255, 4, cv2.LINE_AA)
                cv2.line(ink, (cx - 65, cy), (cx + 65, cy), 255, 4, cv2.LINE_AA)
                lower = tuple(int(v) for v in rng.integers(0, 256, 3))
                cv2.ellipse(color, (cx, cy), (63, 63), 0, 0, 180, lower, -1)
            else:
                cv2.rectangle(color, (cx - 60, cy - 60), (cx + 60, cy + 60), fill, -1)
                cv2.rectangle(ink, (cx - 60, cy - 60), (cx + 60, cy + 60), 255, 4, cv2.LINE_AA)
    lines = (color * (1.0 - ink[..., None] / 255.0)).astype(np.uint8)
    return ink, segment_regions(ink), lines


def generator_like(image, sigma=0.8):
    """What a generator gives at the working size: area-averaged and a little soft at edges."""
    small = cv2.resize(image, (WORKING, WORKING), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), sigma)


def mean_bleeding(color, regions, ink, min_area):
    return float(np.mean(bleeding(color, regions, 255 - ink, min_area)))


def test_bleeding_at_original_size_no_worse_than_at_working_size(synthetic):
    ink, regions, truth = synthetic
    small = generator_like(truth)
    small_ink = cv2.resize(ink, (WORKING, WORKING), interpolation=cv2.INTER_AREA)
    small_regions = cv2.resize(regions, (WORKING, WORKING), interpolation=cv2.INTER_NEAREST)
    at_working = mean_bleeding(small, small_regions, small_ink, 400 // SCALE**2)
    guided = mean_bleeding(upsample_color(small, ink, regions), regions, ink, 400)
    bilinear = mean_bleeding(
        cv2.resize(small, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR), regions, ink, 400
    )
    assert guided <= at_working + 1e-3
    assert bilinear > 0.01 and guided < bilinear / 5


def test_region_consistency_cuts_bleeding(synthetic):
    ink, regions, truth = synthetic
    small = generator_like(truth, sigma=1.5).astype(np.int16)
    noise = np.random.default_rng(0).normal(0, 18, small.shape)
    small = np.clip(small + noise, 0, 255).astype(np.uint8)
    plain = mean_bleeding(upsample_color(small, ink, regions), regions, ink, 400)
    consistent = mean_bleeding(
        upsample_color(small, ink, regions, RegionConsistency()), regions, ink, 400
    )
    assert plain > 0.02 and consistent < plain / 4


def test_a_decided_region_takes_its_color_with_the_shading_softened(synthetic):
    """Region consistency holds a stroked region to the stroke's color: its median lands on it,
    its lightness still varies as the network shaded it but DECIDED_SHADING times as much, and
    the other regions do not move."""
    ink, regions, truth = synthetic
    small = generator_like(truth)
    label = int(regions[90, 90])  # the top-left square
    shaded = small.astype(np.float32)
    shaded[:20, : WORKING // 2] *= 0.6  # a shadow over the square's top (full-size rows < 80)
    small = shaded.astype(np.uint8)
    decided = Decided(regions, np.array([label]), np.array([[40, 160, 220]], np.uint8))
    plain = upsample_color(small, ink, regions, RegionConsistency())
    held = upsample_color(small, ink, regions, RegionConsistency(decided))
    inside = (regions == label) & (ink == 0)
    lab = srgb_to_lab(held[inside])
    assert delta_e(np.median(lab, axis=0), srgb_to_lab(decided.colors[0])) < 3
    shadow = srgb_to_lab(held[40, 90])[0] - srgb_to_lab(held[140, 90])[0]
    network_shadow = srgb_to_lab(plain[40, 90])[0] - srgb_to_lab(plain[140, 90])[0]
    assert network_shadow < -10
    assert shadow == pytest.approx(DECIDED_SHADING * network_shadow, abs=2)
    np.testing.assert_array_equal(held[regions != label], plain[regions != label])


def test_a_region_shared_among_strokes_holds_each_part_to_its_own_color(synthetic):
    """The flat fill splits a region that strokes of two colors cross (its labels above the
    drawing's regions): consistency holds each part to its stroke's color."""
    ink, regions, truth = synthetic
    label = int(regions[90, 90])  # the top-left square, split into a left and a right half
    split = regions.copy()
    right = (regions == label) & (np.arange(SIZE) >= 90)[None, :]
    split[right] = regions.max() + 1
    colors = np.array([[40, 160, 220], [220, 60, 40]], np.uint8)
    decided = Decided(split, np.array([label, regions.max() + 1]), colors)
    held = upsample_color(generator_like(truth), ink, regions, RegionConsistency(decided))
    for part, color in ((split == label) & (ink == 0), colors[0]), (right & (ink == 0), colors[1]):
        away = part & (np.abs(np.arange(SIZE) - 90) > 12)[None, :]  # off the seam between them
        assert delta_e(np.median(srgb_to_lab(held[away]), axis=0), srgb_to_lab(color)) < 3


def _joined_square(synthetic):
    """The top-left square colored half skin, half pink by the network, its network parts
    (skin left, hair right) and the cells' grid: one region that a gap joined."""
    ink, regions, truth = synthetic
    label = int(regions[90, 90])
    painted = truth.copy()
    inside = regions == label
    left = inside & (np.arange(SIZE) < 90)[None, :]
    painted[left] = (250, 215, 190)
    painted[inside & ~left] = (240, 120, 200)
    parts = np.zeros((WORKING, WORKING), np.int64)  # 0: background
    cells = cv2.resize(inside.astype(np.uint8), (WORKING, WORKING), interpolation=cv2.INTER_NEAREST)
    columns = np.arange(WORKING)[None, :] < 90 // SCALE
    parts[(cells > 0) & columns] = 1  # skin
    parts[(cells > 0) & ~columns] = 2  # hair
    return ink, regions, generator_like(painted), parts, left, inside & ~left


def test_a_region_the_network_sees_as_two_parts_keeps_both_colors(synthetic):
    """A gap joins a face with the hair: one median per region would paint the face pink;
    split by the network's parts, each side keeps its own color."""
    ink, regions, small, parts, face, hair = _joined_square(synthetic)
    one = upsample_color(small, ink, regions, RegionConsistency())
    split = upsample_color(small, ink, regions, RegionConsistency(parts=parts))
    skin, pink = (
        srgb_to_lab(np.array([250, 215, 190], np.uint8)),
        srgb_to_lab(np.array([240, 120, 200], np.uint8)),
    )
    away = (np.abs(np.arange(SIZE) - 90) > 12)[None, :] & (ink == 0)
    for side, color in ((face, skin), (hair, pink)):
        assert delta_e(np.median(srgb_to_lab(split[side & away]), axis=0), color) < 4
    assert (
        min(
            delta_e(np.median(srgb_to_lab(one[side & away]), axis=0), color)
            for side, color in ((face, skin), (hair, pink))
        )
        > 10
    )


def test_a_stroke_decides_only_the_part_it_touches(synthetic):
    """A stroke on the hair side of a joined region colors the hair, not the face beside it."""
    ink, regions, small, parts, face, hair = _joined_square(synthetic)
    label = int(regions[90, 90])
    decided = Decided(regions, np.array([label]), np.array([[40, 160, 220]], np.uint8))
    stroked = np.zeros((WORKING, WORKING), bool)
    stroked[20:24, 26:30] = True  # on the hair side (full-size columns 104-120)
    held = upsample_color(small, ink, regions, RegionConsistency(decided, parts, stroked))
    away = (np.abs(np.arange(SIZE) - 90) > 12)[None, :] & (ink == 0)
    blue, skin = srgb_to_lab(decided.colors[0]), srgb_to_lab(np.array([250, 215, 190], np.uint8))
    assert delta_e(np.median(srgb_to_lab(held[hair & away]), axis=0), blue) < 3
    assert delta_e(np.median(srgb_to_lab(held[face & away]), axis=0), skin) < 4


def test_the_background_part_is_paper_white_unless_tagged(synthetic):
    """The background (part 0 in ``flat_parts``) loses the network's blotches: white, or with
    a background tag (``colored_parts``) one flat color, the network's median."""
    ink, regions, truth = synthetic
    outside = regions == regions[2, 2]
    blotched = truth.copy()
    blotched[outside] = (200, 190, 170)
    blotched[outside & (np.arange(SIZE) < 200)[None, :]] = (150, 150, 140)
    small = generator_like(blotched)
    parts = np.where(cv2.resize(outside.astype(np.uint8), (WORKING, WORKING)) > 0, 0, 1)
    white = upsample_color(
        small, ink, regions, RegionConsistency(parts=parts, flat_parts=frozenset({0}))
    )
    away = outside & (cv2.dilate(ink, np.ones((25, 25), np.uint8)) == 0)
    np.testing.assert_array_equal(white[away], 255)
    tagged = upsample_color(
        small,
        ink,
        regions,
        RegionConsistency(parts=parts, flat_parts=frozenset({0}), colored_parts=frozenset({0})),
    )
    lab = srgb_to_lab(tagged[away])
    assert np.ptp(lab[:, 0]) < 1 and not np.all(tagged[away] == 255)


def test_a_held_part_moves_to_its_color_and_a_stroked_one_follows_the_stroke(synthetic):
    """A tag holds its part (here the hair side of a joined region) to its palette color, the
    face beside it untouched; once a stroke decides the hair somewhere, the hold gives way."""
    ink, regions, small, parts, face, hair = _joined_square(synthetic)
    blue = srgb_to_lab(np.array([40, 90, 220], np.uint8))
    hold = {2: HeldColor(tuple(float(v) for v in blue), 1.0)}
    held = upsample_color(small, ink, regions, RegionConsistency(parts=parts, held=hold))
    away = (np.abs(np.arange(SIZE) - 90) > 12)[None, :] & (ink == 0)
    skin = srgb_to_lab(np.array([250, 215, 190], np.uint8))
    assert delta_e(np.median(srgb_to_lab(held[hair & away]), axis=0), blue) < 3
    assert delta_e(np.median(srgb_to_lab(held[face & away]), axis=0), skin) < 4
    half = {2: HeldColor(hold[2].lab, 0.5)}
    halfway = upsample_color(small, ink, regions, RegionConsistency(parts=parts, held=half))
    pink = srgb_to_lab(np.array([240, 120, 200], np.uint8))
    middle = np.median(srgb_to_lab(halfway[hair & away]), axis=0)
    assert delta_e(middle, blue) > 5 and delta_e(middle, pink) > 5
    label = int(regions[90, 90])
    decided = Decided(regions, np.array([label]), np.array([[200, 40, 40]], np.uint8))
    stroked = np.zeros((WORKING, WORKING), bool)
    stroked[20:24, 26:30] = True
    both = upsample_color(
        small, ink, regions, RegionConsistency(decided, parts, stroked, held=hold)
    )
    red = srgb_to_lab(decided.colors[0])
    assert delta_e(np.median(srgb_to_lab(both[hair & away]), axis=0), red) < 3


def test_background_cells_inside_a_face_are_no_hole_in_it(synthetic):
    """The part head calls a patch of a face background: the patch takes the face's color,
    not paper white, since the background is not the region's largest part."""
    ink, regions, small, parts, face, hair = _joined_square(synthetic)
    holed = parts.copy()
    holed[10:30, 10:20] = 0  # 200 cells, a fifth of the joined region
    out = upsample_color(
        small, ink, regions, RegionConsistency(parts=holed, flat_parts=frozenset({0}))
    )
    patch = np.zeros((SIZE, SIZE), bool)
    patch[48:112, 44:76] = True
    skin = srgb_to_lab(np.array([250, 215, 190], np.uint8))
    assert delta_e(np.median(srgb_to_lab(out[patch & face]), axis=0), skin) < 4


def test_edges_are_crisp_at_the_line():
    """Left red, right blue, one line between: the pixels touching the line keep their side's
    color exactly, though the working size is 8 times coarser."""
    ink = np.zeros((64, 64), np.uint8)
    ink[:, 31:33] = 255
    regions = segment_regions(ink)
    small = np.zeros((8, 8, 3), np.uint8)
    small[:, :4] = (255, 0, 0)
    small[:, 4:] = (0, 0, 255)
    out = upsample_color(cv2.GaussianBlur(small, (0, 0), 0.7), ink, regions)
    assert out.shape == (64, 64, 3)
    assert np.abs(out[:, 28:31].astype(int) - (255, 0, 0)).max() <= 12
    assert np.abs(out[:, 33:36].astype(int) - (0, 0, 255)).max() <= 12


def test_enlarging_and_odd_shapes():
    ink = np.zeros((9, 17), np.uint8)
    ink[4] = 255
    regions = segment_regions(ink)
    colors = np.random.default_rng(1).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    assert upsample_color(colors, ink, regions).shape == (9, 17, 3)
    with pytest.raises(ValueError):
        upsample_color(colors[..., :2], ink, regions)


def test_a_planned_upsampler_gives_each_coloring_what_a_fresh_one_does(synthetic):
    """The plan holds only what the line art decides: reused for new colors (a tag update), it
    gives the same pixels as planning anew, with and without region consistency."""
    ink, regions, truth = synthetic
    planned = RegionUpsampler(ink, regions, (WORKING, WORKING))
    rng = np.random.default_rng(5)
    for sigma, consistency in ((0.8, None), (1.5, RegionConsistency()), (0.5, None)):
        small = np.clip(
            generator_like(truth, sigma).astype(int) + rng.integers(-30, 31, (WORKING, WORKING, 3)),
            0,
            255,
        ).astype(np.uint8)
        np.testing.assert_array_equal(
            planned(small, consistency),
            upsample_color(small, ink, regions, consistency),
        )
    with pytest.raises(ValueError):
        planned(np.zeros((WORKING, WORKING + 1, 3), np.uint8))


def test_an_area_the_network_colors_as_another_held_part_is_not_held_to_its_own():
    """The part head takes a glove for skin: where the network's color of the area is the gloves
    tag's (and not the skin tag's), the skin hold leaves it alone; the rest of the skin is held."""
    ink = np.zeros((256, 256), np.uint8)
    cv2.rectangle(ink, (20, 20), (110, 230), 255, 3)  # an arm
    cv2.rectangle(ink, (140, 20), (230, 230), 255, 3)  # a glove
    regions = segment_regions(ink)
    color = np.full((256, 256, 3), 255, np.uint8)
    color[20:230, 20:110] = (250, 215, 190)
    color[20:230, 140:230] = (240, 120, 200)
    small = cv2.resize(color, (64, 64), interpolation=cv2.INTER_AREA)
    parts = np.ones((64, 64), np.int64)  # every cell "skin" (1); 7 stands for the gloves
    tan, pink = (srgb_to_lab(np.array(c, np.uint8)) for c in ((200, 150, 110), (240, 120, 200)))
    arm, glove = (np.s_[40:210, 40:90], np.s_[40:210, 160:210])
    for yielding, glove_color in ((True, pink), (False, tan)):  # a palette's hold does not yield
        hold = {
            1: HeldColor(tuple(map(float, tan)), 1.0, yielding),
            7: HeldColor(tuple(map(float, pink)), 1.0, yielding),
        }
        out = upsample_color(small, ink, regions, RegionConsistency(parts=parts, held=hold))
        assert delta_e(np.median(srgb_to_lab(out[arm].reshape(-1, 3)), axis=0), tan) < 3
        assert delta_e(np.median(srgb_to_lab(out[glove].reshape(-1, 3)), axis=0), glove_color) < 3
    # the artist marked the glove's area skin: the skin tag holds it whatever the network says
    marked = np.zeros((64, 64), bool)
    marked[40:52, 40:52] = True  # the marked cells are inside the glove's area
    hold = {
        1: HeldColor(tuple(map(float, tan)), 1.0, True),
        7: HeldColor(tuple(map(float, pink)), 1.0, True),
    }
    out = upsample_color(
        small, ink, regions, RegionConsistency(parts=parts, held=hold, marked=marked)
    )
    assert delta_e(np.median(srgb_to_lab(out[glove].reshape(-1, 3)), axis=0), tan) < 3


def test_an_iris_split_off_however_small_its_share_of_the_face():
    """An iris whose outline opens into the face is a small share of the face's region: a
    ``small_parts`` part splits off at MIN_PART_CELLS, so its tag reaches it; a ready part at
    READY_SPLIT_SHARE leaves it skin."""
    ink = np.zeros((SIZE, SIZE), np.uint8)
    cv2.rectangle(ink, (30, 30), (150, 150), 255, 4)
    regions = segment_regions(ink)
    painted = np.full((SIZE, SIZE, 3), 255, np.uint8)
    painted[regions == regions[90, 90]] = (250, 215, 190)
    small = generator_like(painted)
    parts = np.zeros((WORKING, WORKING), np.int64)
    parts[8:38, 8:38] = 1  # skin: the face's 900 cells
    parts[10:14, 8:13] = 3  # eyes: 20 cells, 2 % of the face
    blue = srgb_to_lab(np.array([60, 110, 220], np.uint8)).astype(float)
    rules = RegionConsistency(
        parts=parts,
        held={3: HeldColor((blue[0], blue[1], blue[2]), 1.0)},
        ready_parts=frozenset({1, 3}),
    )
    iris = (slice(44, 52), slice(36, 48))
    merged = upsample_color(small, ink, regions, rules)
    split = upsample_color(small, ink, regions, replace(rules, small_parts=frozenset({3})))
    assert delta_e(np.median(srgb_to_lab(split[iris]).reshape(-1, 3), axis=0), blue) < 6
    assert delta_e(np.median(srgb_to_lab(merged[iris]).reshape(-1, 3), axis=0), blue) > 30


def test_a_stroke_holds_the_rest_of_its_part_to_its_color(synthetic):
    """Two squares the part head calls hair, a stroke in one: with ``stroke_hold`` the other
    moves that share of the way to the stroke's color (one stroke on a lock colors the hair),
    the stroked one keeps its stroke; without it the other keeps the network's color."""
    ink, regions, truth = synthetic
    small = generator_like(truth)
    stroked, other = int(regions[90, 90]), int(regions[90, 420])
    nearest = cv2.INTER_NEAREST
    cells = cv2.resize(regions.astype(np.int32), (WORKING, WORKING), interpolation=nearest)
    parts = np.where(np.isin(cells, [stroked, other]), 2, 0)
    blue = np.array([[40, 160, 220]], np.uint8)
    decided = Decided(regions, np.array([stroked]), blue)
    rules = RegionConsistency(decided, parts)
    plain = upsample_color(small, ink, regions, rules)
    held = upsample_color(small, ink, regions, replace(rules, stroke_hold=0.85))

    def median(image, label):
        return np.median(srgb_to_lab(image[(regions == label) & (ink == 0)]), axis=0)

    target, before = srgb_to_lab(blue[0]), median(plain, other)
    assert delta_e(median(held, stroked), target) < 3
    assert delta_e(median(held, other), target) < 0.25 * delta_e(before, target)
    assert delta_e(before, target) > 20


def test_a_stroke_on_a_small_piece_of_a_part_leaves_the_rest_alone(synthetic):
    """A stroke on an area under STROKE_PART_SHARE of its part (a tie the part head took for
    skin) holds nothing else of the part: the face stays as the network colored it."""
    ink, regions, truth = synthetic
    small = generator_like(truth)
    stroked, other = int(regions[90, 90]), int(regions[90, 420])
    paper = int(regions[5, 5])  # the paper around the shapes, taken for the same part
    nearest = cv2.INTER_NEAREST
    cells = cv2.resize(regions.astype(np.int32), (WORKING, WORKING), interpolation=nearest)
    parts = np.where(np.isin(cells, [stroked, other, paper]), 2, 0)
    assert np.count_nonzero(cells == stroked) < STROKE_PART_SHARE * np.count_nonzero(parts == 2)
    decided = Decided(regions, np.array([stroked]), np.array([[40, 160, 220]], np.uint8))
    rules = RegionConsistency(decided, parts)
    plain = upsample_color(small, ink, regions, rules)
    held = upsample_color(small, ink, regions, replace(rules, stroke_hold=0.85))
    np.testing.assert_array_equal(held[regions == other], plain[regions == other])
