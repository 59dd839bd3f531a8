"""Layout conversion, One-Euro smoothing and the IoU tracker against direct computations."""
import math

import numpy as np
import pytest

from popos.apis import calibrate_boxes, convert_layout, convert_scores, layout_indices
from popos.apis.layouts import fit_five_point_box, five_point_box
from popos.apis.tracking import FaceTracker, OneEuroFilter, box_iou


def test_wflw_to_68_keeps_the_landmarks_that_define_the_protocols():
    idx = layout_indices(98, '68')
    assert idx.shape == (68, ) and len(set(idx.tolist())) == 68
    # iBUG outer eye corners 36/45 are WFLW 60/72 (the two benchmarks' inter-ocular points),
    # the nose tip 30 is WFLW 54, the mouth corners 48/54 are WFLW 76/82, chin 8 is WFLW 16.
    assert (idx[36], idx[45], idx[30], idx[48], idx[54], idx[8]) == (60, 72, 54, 76, 82, 16)
    pts = np.random.default_rng(0).random((2, 98, 2))
    assert np.array_equal(convert_layout(pts, '68'), pts[:, idx])


def test_68_to_51_drops_the_jaw_and_unknown_layouts_fail_clearly():
    pts = np.arange(68 * 2).reshape(68, 2)
    assert np.array_equal(convert_layout(pts, '51'), pts[17:])
    assert np.array_equal(layout_indices(98, '51'), layout_indices(98, '68')[17:])
    assert np.array_equal(convert_layout(pts, '68'), pts)
    with pytest.raises(ValueError, match='no conversion from 68 landmarks'):
        layout_indices(68, '98')


def test_five_points_average_the_eye_contours_and_box_fit_round_trips():
    rng = np.random.default_rng(0)
    pts = rng.random((3, 68, 2)) * 100
    five = convert_layout(pts, '5')
    assert five.shape == (3, 5, 2)
    assert np.allclose(five[:, 0], pts[:, 36:42].mean(1))
    assert np.allclose(five[:, 1], pts[:, 42:48].mean(1))
    assert np.allclose(five[:, 2:], pts[:, [30, 48, 54]])
    # 98 -> 5 goes through the 98 -> 68 selection
    wflw = rng.random((98, 2))
    via68 = convert_layout(wflw[layout_indices(98, '68')], '5')
    assert np.allclose(convert_layout(wflw, '5'), via68)
    assert np.allclose(convert_scores(np.ones((2, 68)), '5'), 1.0)
    with pytest.raises(ValueError, match='averages'):
        layout_indices(68, '5')
    # a box fitted in the five points' frame is reproduced exactly for a similar face
    boxes = np.array([[10., 20., 90., 110.]])
    calib = fit_five_point_box(five[:1], boxes)
    assert np.allclose(five_point_box(five[:1], calib), boxes, atol=1e-4)
    moved = five[:1] * 2 + 5  # scale x2, shift 5 px: the box follows
    assert np.allclose(five_point_box(moved, calib), boxes * 2 + 5, atol=1e-3)


def one_euro_reference(xs, dt, min_cutoff, beta, d_cutoff):
    """Scalar One-Euro filter written out from the paper's pseudo-code."""
    def alpha(cutoff):
        r = 2 * math.pi * cutoff * dt
        return r / (r + 1)
    out, x_prev, dx_prev = [], None, 0.0
    for x in xs:
        if x_prev is None:
            x_prev = x
            out.append(x)
            continue
        dx = (x - x_prev) / dt
        dx_hat = alpha(d_cutoff) * dx + (1 - alpha(d_cutoff)) * dx_prev
        a = alpha(min_cutoff + beta * abs(dx_hat))
        x_hat = a * x + (1 - a) * x_prev
        out.append(x_hat)
        x_prev, dx_prev = x_hat, dx_hat
    return np.array(out)


def test_one_euro_matches_the_scalar_reference_elementwise():
    rng = np.random.default_rng(1)
    seq = np.cumsum(rng.normal(size=(40, 3, 2)), axis=0)
    f = OneEuroFilter(min_cutoff=0.8, beta=0.3, d_cutoff=1.2)
    got = np.stack([f(x, 1 / 30) for x in seq])
    for k in range(3):
        for d in range(2):
            ref = one_euro_reference(seq[:, k, d], 1 / 30, 0.8, 0.3, 1.2)
            np.testing.assert_allclose(got[:, k, d], ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0)


def test_box_iou_and_calibration_closed_form():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 5, 15, 15], [20, 20, 30, 30]])
    np.testing.assert_allclose(box_iou(a, b), [[25 / 175, 0.0]])
    # centre moves by 0.1 * height, size doubles
    np.testing.assert_allclose(calibrate_boxes(a, (0, 0.1, 2, 2)), [[-5, -4, 15, 16]])


def test_tracker_keeps_ids_when_detection_order_changes():
    tracker = FaceTracker(smoothing=dict(min_cutoff=1.0, beta=0.0))
    face = lambda x: dict(bbox=np.array([x, 0, x + 10, 10.]),  # noqa: E731
                          keypoints=np.full((3, 2), x, np.float32))
    first = tracker.update([face(0), face(50)], dt=0.1)
    second = tracker.update([face(52), face(1)], dt=0.1)
    assert [f['track_id'] for f in first] == [0, 1]
    assert [f['track_id'] for f in second] == [1, 0]
    # smoothed: between the previous and the new position
    assert 0 < second[1]['keypoints'][0, 0] < 1
    third = tracker.update([face(200)], dt=0.1)
    assert third[0]['track_id'] == 2


def test_tracker_refuses_bad_settings_when_built():
    for kwargs in (dict(smoothing=dict(beta=-1)), dict(smoothing=dict(min_cutoff=0)),
                   dict(iou_thr=1.5), dict(max_missed=-1)):
        with pytest.raises(ValueError):
            FaceTracker(**kwargs)
