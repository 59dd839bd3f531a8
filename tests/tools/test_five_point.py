"""Five-point scoring, the five-point box and the pseudo-label / AFLW-check tools."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from popos.apis.five_point import (five_point_calibration, five_point_nme, load_coco_faces,
                                   summarise)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED = osp.join(osp.dirname(REPO), 'shared', 'data')


def test_five_point_nme_is_the_brute_force_mean_over_the_five_points():
    rng = np.random.default_rng(1)
    pred = rng.random((4, 68, 2)) * 50
    gt5 = rng.random((4, 5, 2)) * 50
    want = []
    for p, g in zip(pred, gt5):
        five = [p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]]
        iod = np.hypot(*(g[0] - g[1]))
        want.append(np.mean([np.hypot(*(a - b)) for a, b in zip(five, g)]) / iod)
    np.testing.assert_allclose(five_point_nme(pred, gt5), want, rtol=1e-9)
    nme, fr, auc = summarise(np.array([0.02, 0.04, 0.2]))
    assert nme == pytest.approx(26 / 3) and fr == pytest.approx(100 / 3)
    with pytest.raises(ValueError, match='coincident eye centres'):
        five_point_nme(pred[:1], np.zeros((1, 5, 2)))


def test_loader_names_a_face_with_the_wrong_number_of_points(tmp_path):
    ann = tmp_path / 'bad.json'
    ann.write_text(json.dumps(dict(images=[dict(id=1, file_name='a.jpg')], annotations=[
        dict(id=7, image_id=1, keypoints=[1, 2, 2] * 4)])))
    with pytest.raises(ValueError, match='bad.json: annotation 7 has 4 points, expected 5'):
        load_coco_faces(str(ann), '', 5)


@pytest.mark.skipif(not osp.isdir(osp.join(SHARED, 'mtfl')), reason='../shared is not present')
def test_mtfl_point_order_is_the_image_left_right_order_of_the_68_point_reduction():
    """Real labels, both markups: point 0 / 3 (eye / mouth corner) lie left of point 1 / 4."""
    gt68 = np.stack([f['keypoints'] for f in load_coco_faces(
        osp.join(SHARED, '300w/annotations/face_landmarks_300w_valid.json'), '', 68)])
    from popos.apis.layouts import convert_layout
    five = convert_layout(gt68, '5')
    mtfl = np.stack([f['keypoints'] for f in load_coco_faces(
        osp.join(SHARED, 'mtfl/annotations/mtfl_aflw_test.json'), '', 5)])
    for pts in (five, mtfl):
        assert (pts[:, 0, 0] < pts[:, 1, 0]).mean() > 0.98
        assert (pts[:, 3, 0] < pts[:, 4, 0]).mean() > 0.98
        # nose below the eyes, mouth below the nose
        assert (pts[:, 2, 1] > pts[:, :2, 1].mean(1)).mean() > 0.95
        assert (pts[:, 3:, 1].mean(1) > pts[:, 2, 1]).mean() > 0.95
    # swapped eyes: two of five points are one eye distance off, so NME = 2/5 exactly
    swapped = gt68.copy()
    swapped[:, 36:42], swapped[:, 42:48] = gt68[:, 42:48], gt68[:, 36:42]
    np.testing.assert_allclose(five_point_nme(swapped, five), 0.4, rtol=1e-5)
    np.testing.assert_allclose(five_point_nme(gt68, five), 0.0, atol=1e-6)


@pytest.mark.skipif(not osp.isdir(osp.join(SHARED, 'mtfl')), reason='../shared is not present')
def test_pseudo_labels_load_as_300w_and_the_aflw_check_runs(tmp_path):
    # the five-point box reproduces 300-W's own boxes: square, ~3.7 five-point radii wide
    calib = five_point_calibration(osp.join(SHARED, '300w/annotations/'
                                            'face_landmarks_300w_train.json'))
    assert abs(calib[2] - calib[3]) < 1e-3 and 3 < calib[2] < 4.5 and abs(calib[0]) < 0.1
    out = tmp_path / 'pl.json'
    env = dict(__import__('os').environ, NO_ALBUMENTATIONS_UPDATE='1')
    cmd = [sys.executable, 'tools/dataset_converters/pseudo_label_faces.py', 'small', '',
           '--ann', osp.join(SHARED, 'mtfl/annotations/mtfl_train.json'),
           '--img-root', osp.join(SHARED, 'mtfl/images'),
           '--ref-ann', osp.join(SHARED, '300w/annotations/face_landmarks_300w_train.json'),
           '--out', str(out), '--limit', '6', '--max-nme', '0.2']
    subprocess.run(cmd, cwd=REPO, check=True, env=env, capture_output=True)
    coco = json.loads(out.read_text())
    assert coco['info']['faces'] == 6 and len(coco['annotations']) == coco['info']['kept'] > 0
    assert all(im['width'] == im['height'] == 80 for im in coco['images'])
    for ann in coco['annotations']:  # the pseudo-labels lie in the 80x80 crop, eyes left to right
        kp = np.asarray(ann['keypoints']).reshape(68, 3)
        assert (kp[:, :2] >= 0).all() and (kp[:, :2] <= 80).all()
        assert kp[36:42, 0].mean() < kp[42:48, 0].mean()
    # mmpose's own 300-W dataset reads the file (center/scale box, 68 visible points)
    from mmpose.datasets import Face300WDataset
    ds = Face300WDataset(ann_file=str(out), data_root='',
                         data_prefix=dict(img=osp.join(SHARED, 'mtfl/images/')),
                         pipeline=[], test_mode=True)
    item = ds[0]
    assert item['keypoints'].shape == (1, 68, 2) and osp.isfile(item['img_path'])
    assert (item['keypoints_visible'] > 0).all() and item['bbox_scale'][0, 0] > 20

    # no face passes: an empty but valid file, said so (was a numpy warning and NaN)
    empty = tmp_path / 'none.json'
    proc = subprocess.run(cmd[:cmd.index('--out')] + ['--out', str(empty), '--limit', '2',
                                                      '--max-nme', '1e-9'],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'no face passed' in proc.stdout and 'nan' not in proc.stdout.lower()
    coco = json.loads(empty.read_text())
    assert coco['annotations'] == [] and coco['info']['teacher_five_point']['kept_median_nme'] \
        is None

    res = tmp_path / 'aflw.json'
    subprocess.run([sys.executable, 'tools/analysis/eval_five_point.py', 'small', '--limit', '4',
                    '--ann', osp.join(SHARED, 'mtfl/annotations/mtfl_aflw_test.json'),
                    '--img-root', osp.join(SHARED, 'mtfl/images'), '--ref-ann',
                    osp.join(SHARED, '300w/annotations/face_landmarks_300w_train.json'),
                    '--out', str(res)], cwd=REPO, check=True, env=env, capture_output=True)
    summary = json.loads(res.read_text())
    assert summary['faces'] == 4 and 0 < summary['nme'] < 50


@pytest.mark.parametrize('tool', ['tools/dataset_converters/pseudo_label_faces.py',
                                  'tools/analysis/eval_five_point.py'])
def test_limit_must_be_a_positive_count(tool):
    # --limit 0 sliced every face away (a numpy error later), a negative one dropped the last
    env = dict(__import__('os').environ, NO_ALBUMENTATIONS_UPDATE='1')
    args = ['small', '', '--ann', 'a.json', '--img-root', '.', '--out', 'o.json'] \
        if 'pseudo' in tool else ['small', '--ann', 'a.json']
    proc = subprocess.run([sys.executable, tool, *args, '--limit', '0'], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and 'argument --limit: must be at least 1' in proc.stderr, \
        proc.stderr[-500:]


def test_positive_int_accepts_counts_only():
    import argparse

    from popos.apis.cli import positive_int
    assert positive_int('3') == 3
    for bad in ('0', '-3', 'two', '1.5'):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_int(bad)
