"""Numpy building blocks of FaceLandmarkMetric, against hand-worked cases."""
import numpy as np
import pytest

from popos.evaluation.functional import (box_size, ced_curve, eye_distance,
                                         fr_auc, landmark_boxes,
                                         normalised_errors, sample_nme, simpson)


def test_fr_auc_all_perfect_and_all_failed():
    assert fr_auc(np.zeros(5), 0.1) == pytest.approx((0.0, 1.0))
    assert fr_auc(np.full(3, 0.2), 0.1) == pytest.approx((1.0, 0.0))


def test_fr_counts_nme_equal_to_threshold_as_success():
    fr, _ = fr_auc(np.array([0.05, 0.1, 0.15, 0.3]), 0.1)
    assert fr == pytest.approx(0.5)


def test_auc_step_function_hand_worked():
    # half the faces at 0.05, half failed: CED is 0 then 0.5 from x=0.05 on.
    # Exact area 0.5 * 0.05 = 0.025; the jump falls on an even Simpson node
    # (index 500), where the 1/3 rule adds h/3 * 0.5 on the pair before it.
    fr, auc = fr_auc(np.array([0.05, 0.2]), 0.1, step=1e-4)
    h = 1e-4
    assert fr == pytest.approx(0.5)
    assert auc == pytest.approx((0.025 + h / 3 * 0.5) / 0.1, abs=1e-9)


def test_auc_of_uniform_errors_is_a_triangle():
    nmes = np.linspace(0, 0.1, 100001)
    _, auc = fr_auc(nmes, 0.1)
    assert auc == pytest.approx(0.5, abs=1e-3)


def test_fr_auc_matches_star_reference_implementation():
    import scipy.integrate as scipy_integrate  # a runtime requirement of popos
    rng = np.random.default_rng(0)
    nmes = rng.gamma(2.0, 0.025, size=300)
    thr, step = 0.1, 1e-4
    # STAR / ADNet lib/metric/fr_and_auc.py, FR_AUC.test
    xs = np.arange(0, thr + step, step)
    assert len(xs) == 1001
    ys = np.array([np.count_nonzero(nmes <= x) for x in xs]) / len(nmes)
    ref_fr = 1.0 - ys[-1]
    ref_auc = scipy_integrate.simpson(ys, x=xs) / thr
    fr, auc = fr_auc(nmes, thr, step)
    assert fr == pytest.approx(ref_fr)
    assert auc == pytest.approx(ref_auc, abs=1e-9)
    fr08, auc08 = fr_auc(nmes, 0.08, step)
    assert fr08 == pytest.approx(np.mean(nmes > 0.08))
    assert fr08 > fr and auc08 < auc


def test_simpson_matches_scipy_and_rejects_odd_intervals():
    import scipy.integrate as scipy_integrate  # a runtime requirement of popos
    xs = np.linspace(0, 2, 11)
    ys = np.sin(xs) + xs**2
    assert simpson(ys, xs) == pytest.approx(
        scipy_integrate.simpson(ys, x=xs))
    with pytest.raises(ValueError, match='even number'):
        simpson(ys[:-1], xs[:-1])


def test_fr_auc_bad_input():
    with pytest.raises(ValueError, match='empty'):
        fr_auc(np.array([]), 0.1)
    with pytest.raises(ValueError, match='> 0'):
        fr_auc(np.array([0.1]), 0.0)


def test_ced_curve_counts_the_share_at_or_below_each_x():
    rng = np.random.default_rng(1)
    nmes = np.concatenate([rng.gamma(2.0, 0.025, size=50), [0.0, 0.04, 0.04]])
    xs, ys = ced_curve(nmes, 0.08, num=9)
    assert xs == pytest.approx(np.arange(9) * 0.01)
    want = [np.count_nonzero(nmes <= x) / nmes.size for x in xs]
    assert ys == pytest.approx(want)
    # an NME equal to x counts (the repeated 0.04 lands on a grid point)
    assert ys[4] == pytest.approx(np.mean(nmes <= 0.04))
    assert ys[0] == pytest.approx(1 / nmes.size)
    # the default grid is STAR's 1001 points, the ones fr_auc integrates
    xs, ys = ced_curve(nmes, 0.1)
    assert len(xs) == 1001 and 1.0 - ys[-1] == pytest.approx(fr_auc(nmes, 0.1)[0])


def test_ced_curve_refuses_empty_input_like_fr_auc():
    with pytest.raises(ValueError, match='empty'):
        ced_curve(np.array([]), 0.1)
    with pytest.raises(ValueError, match='thr must be > 0'):
        ced_curve(np.array([0.1]), 0.0)
    with pytest.raises(ValueError, match='num >= 2'):
        ced_curve(np.array([0.1]), 0.1, num=1)


def test_normalised_errors_refuse_a_non_positive_normaliser():
    gt = np.zeros((4, 2, 2))
    pred = gt + 1.0
    with pytest.raises(ValueError, match=r'> 0; sample\(s\) 1 \(0\), 3 \(nan\) are not'):
        normalised_errors(pred, gt, np.array([1.0, 0.0, 2.0, np.nan]))
    with pytest.raises(ValueError, match=r'sample\(s\) 0 \(-1\) are not'):
        normalised_errors(pred, gt, np.array([-1.0, 1.0, 1.0, 1.0]))
    many = np.zeros((12, 2, 2))
    with pytest.raises(ValueError, match='and 2 more'):
        normalised_errors(many, many, np.zeros(12))


def test_box_sizes_and_landmark_box():
    boxes = np.array([[1., 2., 4., 6.]])  # w=3, h=4
    assert box_size(boxes, 'max') == pytest.approx([4.])
    assert box_size(boxes, 'sqrt') == pytest.approx([np.sqrt(12.)])
    assert box_size(boxes, 'diagonal') == pytest.approx([5.])
    with pytest.raises(ValueError, match='box size mode'):
        box_size(boxes, 'area')
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        box_size(np.zeros((2, 3)), 'max')
    gt = np.array([[[0., 0.], [3., 4.], [100., 100.]]])
    mask = np.array([[True, True, False]])  # the far point is invisible
    assert landmark_boxes(gt, mask) == pytest.approx(np.array([[0, 0, 3, 4]]))


def test_eye_distance_points_and_groups():
    gt = np.zeros((1, 6, 2))
    gt[0, :3] = [[0, 0], [2, 0], [1, 3]]  # centroid (1, 1)
    gt[0, 3:] = [[5, 1], [7, 1], [6, 1]]  # centroid (6, 1)
    assert eye_distance(gt, (0, ), (3, )) == pytest.approx([np.hypot(5, 1)])
    assert eye_distance(gt, (0, 1, 2), (3, 4, 5)) == pytest.approx([5.])
    with pytest.raises(ValueError, match='out of range'):
        eye_distance(gt, (0, ), (9, ))


def test_errors_and_sample_nme_respect_mask():
    gt = np.zeros((2, 3, 2))
    pred = gt.copy()
    pred[0, :, 0] = [1., 2., 30.]
    pred[1, :, 1] = [4., 4., 4.]
    err = normalised_errors(pred, gt, np.array([2., 4.]))
    assert err == pytest.approx(np.array([[0.5, 1., 15.], [1., 1., 1.]]))
    mask = np.array([[True, True, False], [True, True, True]])
    assert sample_nme(err, mask) == pytest.approx([0.75, 1.])
    with pytest.raises(ValueError, match='differ'):
        normalised_errors(pred[:, :2], gt, np.ones(2))
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        normalised_errors(pred[0], gt[0], np.ones(1))


def test_inter_ocular_indices_are_mmposes_own():
    from mmpose.evaluation.metrics import NME

    from popos.evaluation.functional import DEFAULT_NORM_INDICES
    shared = set(NME.DEFAULT_KEYPOINT_INDICES) & set(DEFAULT_NORM_INDICES)
    assert {'wflw', '300w', 'cofw', 'lapa', 'coco_wholebody_face'} <= shared
    for name in shared:
        assert DEFAULT_NORM_INDICES[name]['inter_ocular'] == \
            tuple(NME.DEFAULT_KEYPOINT_INDICES[name])
