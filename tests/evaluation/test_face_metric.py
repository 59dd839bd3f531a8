"""FaceLandmarkMetric vs independent numpy, mmpose's NME and hand cases."""
import csv
import json

import numpy as np
import pytest

from mmpose.evaluation.metrics import NME
from mmpose.registry import METRICS
from popos.evaluation import FaceLandmarkMetric


def make_samples(pred, gt, vis=None, bboxes=None, paths=None):
    """mmengine-style data-sample dicts, one face each."""
    samples = []
    for i in range(len(gt)):
        gt_inst = dict(
            keypoints=gt[i:i + 1].astype(np.float32),
            keypoints_visible=(np.ones((1, gt.shape[1]), np.float32)
                               if vis is None else vis[i:i + 1]))
        if bboxes is not None:
            gt_inst['bboxes'] = bboxes[i:i + 1]
        samples.append(
            dict(
                id=i,
                img_id=i,
                img_path=paths[i] if paths else f'data/x/images/{i}.jpg',
                gt_instances=gt_inst,
                pred_instances=dict(keypoints=pred[i:i + 1])))
    return samples


def run(metric, samples, meta):
    metric.dataset_meta = meta
    metric.process([], samples)
    return metric.evaluate(len(samples))


def random_faces(num, k, seed=0):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(0, 200, size=(num, k, 2)).astype(np.float32)
    pred = (gt + rng.normal(0, 3, size=gt.shape)).astype(np.float32)
    return pred, gt


WFLW = dict(dataset_name='wflw', keypoint_id2name={i: f'kpt-{i}'
                                                   for i in range(98)})


def test_registered_in_mmpose_metrics():
    metric = METRICS.build(dict(type='FaceLandmarkMetric', thresholds=0.08))
    assert isinstance(metric, FaceLandmarkMetric)
    assert metric.thresholds == [0.08]


def test_nme_fr_auc_match_independent_numpy():
    pred, gt = random_faces(40, 98)
    res = run(FaceLandmarkMetric(thresholds=[0.08, 0.1]),
              make_samples(pred, gt), WFLW)
    norm = np.linalg.norm(gt[:, 60] - gt[:, 72], axis=-1)
    nmes = (np.linalg.norm(pred - gt, axis=-1) / norm[:, None]).mean(1)
    assert set(res) == {'NME', 'FR@0.08', 'AUC@0.08', 'FR@0.1', 'AUC@0.1'}
    assert res['NME'] == pytest.approx(100 * nmes.mean(), rel=1e-5)
    assert res['FR@0.1'] == pytest.approx(100 * np.mean(nmes > 0.1))
    # rectangle rule on a 1e5 grid as an independent AUC estimate
    xs = np.linspace(0, 0.1, 100001)
    ced = (nmes[None] <= xs[:, None]).mean(1)
    assert res['AUC@0.1'] == pytest.approx(100 * ced.mean(), abs=0.05)


def test_equals_mmpose_nme_times_100_inter_ocular():
    pred, gt = random_faces(16, 68, seed=1)
    ours = run(FaceLandmarkMetric(), make_samples(pred, gt),
               dict(dataset_name='300w'))
    theirs = run(NME(norm_mode='keypoint_distance'), make_samples(pred, gt),
                 dict(dataset_name='300w'))
    assert ours['NME'] == pytest.approx(100 * theirs['NME'], rel=1e-5)


def test_equals_mmpose_nme_bbox_and_keypoint_average_with_mask():
    pred, gt = random_faces(12, 19, seed=2)
    rng = np.random.default_rng(3)
    vis = (rng.uniform(size=(12, 19)) > 0.2).astype(np.float32)
    lo = gt.min(1) - 10
    bboxes = np.concatenate([lo, lo + rng.uniform(50, 90, (12, 2))], 1)
    samples = make_samples(pred, gt, vis, bboxes)
    meta = dict(dataset_name='aflw')
    theirs = run(NME(norm_mode='use_norm_item', norm_item='bbox_size'),
                 samples, meta)
    ours = run(FaceLandmarkMetric(average='keypoint'), samples, meta)
    assert ours['NME'] == pytest.approx(100 * theirs['NME'], rel=1e-5)
    # per-face averaging weighs faces equally, so it differs under masks
    per_face = run(FaceLandmarkMetric(), samples, meta)
    assert per_face['NME'] != pytest.approx(ours['NME'], rel=1e-6)


def test_box_modes_hand_worked():
    gt = np.zeros((1, 4, 2), np.float32)
    gt[0] = [[0, 0], [30, 0], [0, 40], [30, 40]]  # landmark box 30 x 40
    pred = gt + np.array([3., 4.], np.float32)  # 5 px error everywhere
    bboxes = np.array([[0., 0., 90., 40.]])  # annotated box 90 x 40
    meta = dict(dataset_name='toy')
    expect = {
        ('bbox', None): 5 / 90,
        ('bbox_sqrt', None): 5 / 60,
        ('diagonal', None): 5 / 50,  # landmark box diagonal
        ('diagonal', 'bbox'): 5 / np.hypot(90, 40),
        ('bbox', 'landmarks'): 5 / 40,
    }
    for (mode, source), value in expect.items():
        res = run(FaceLandmarkMetric(norm_mode=mode, box_source=source),
                  make_samples(pred, gt, bboxes=bboxes), meta)
        assert res['NME'] == pytest.approx(100 * value, rel=1e-6), mode


def test_inter_pupil_uses_eye_contour_means_for_300w():
    gt = np.zeros((1, 68, 2), np.float32)
    gt[0, 36:42] = [10, 0]
    gt[0, 36, 0] = 4  # left-eye centroid x = (4 + 5*10)/6 = 9
    gt[0, 42:48] = [49, 0]
    gt[0, 45] = [100, 0]  # outer corner: right centroid x = (5*49+100)/6
    pred = gt + np.array([0., 2.], np.float32)
    right = (5 * 49 + 100) / 6
    res = run(FaceLandmarkMetric(norm_mode='inter_pupil'),
              make_samples(pred, gt), dict(dataset_name='300w'))
    assert res['NME'] == pytest.approx(100 * 2 / (right - 9), rel=1e-5)
    res = run(FaceLandmarkMetric(norm_mode='inter_ocular'),
              make_samples(pred, gt), dict(dataset_name='300w'))
    assert res['NME'] == pytest.approx(100 * 2 / 96, rel=1e-5)
    res = run(FaceLandmarkMetric(keypoint_indices=[36, 42]),
              make_samples(pred, gt), dict(dataset_name='300w'))
    assert res['NME'] == pytest.approx(100 * 2 / 45, rel=1e-5)


def test_subsets_from_files_and_metainfo_key(tmp_path):
    pred, gt = random_faces(4, 98, seed=4)
    pred[3] = gt[3] + 50  # a failure, only in subset 'blur'
    # faces 0 and 1 share one image: membership must use their keypoints
    paths = ['d/images/a.jpg', 'd/images/a.jpg', 'd/images/b.jpg',
             'd/images/sub/c.jpg']
    coco = dict(
        images=[
            dict(id=7, file_name='a.jpg'),
            dict(id=8, file_name='sub/c.jpg')
        ],
        annotations=[
            dict(id=70, image_id=7, keypoints=np.concatenate(
                [gt[1], np.ones((98, 1))], 1).ravel().tolist()),
            dict(id=80, image_id=8, keypoints=np.concatenate(
                [gt[3], np.ones((98, 1))], 1).ravel().tolist()),
        ])
    ann = tmp_path / 'blur.json'
    ann.write_text(json.dumps(coco))
    samples = make_samples(pred, gt, paths=paths)
    samples[0]['raw_ann_info'] = dict(subset=['pose', 'makeup'])
    samples[2]['subset'] = 'pose'
    res = run(
        FaceLandmarkMetric(subsets=dict(blur=str(ann)), subset_key='subset'),
        samples, WFLW)
    norm = np.linalg.norm(gt[:, 60] - gt[:, 72], axis=-1)
    nmes = (np.linalg.norm(pred - gt, axis=-1) / norm[:, None]).mean(1)
    assert res['NME/blur'] == pytest.approx(100 * nmes[[1, 3]].mean(), 1e-5)
    assert nmes[3] > 0.1
    assert res['FR@0.1/blur'] == pytest.approx(
        100 * np.mean(nmes[[1, 3]] > 0.1))
    assert res['NME/pose'] == pytest.approx(100 * nmes[[0, 2]].mean(), 1e-5)
    assert res['NME/makeup'] == pytest.approx(100 * nmes[0], 1e-5)
    assert res['NME'] == pytest.approx(100 * nmes.mean(), 1e-5)


def test_missing_subset_file_is_named(tmp_path):
    pred, gt = random_faces(2, 98)
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        run(FaceLandmarkMetric(subsets=dict(pose=missing)),
            make_samples(pred, gt), WFLW)


def test_reports_written(tmp_path):
    pred, gt = random_faces(6, 98, seed=5)
    res = run(FaceLandmarkMetric(out_dir=str(tmp_path)),
              make_samples(pred, gt), WFLW)
    png = (tmp_path / 'ced.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 1000
    rows = list(csv.DictReader(open(tmp_path / 'per_landmark_nme.csv')))
    assert len(rows) == 98 and rows[5]['name'] == 'kpt-5'
    norm = np.linalg.norm(gt[:, 60] - gt[:, 72], axis=-1)
    per_kpt = 100 * (np.linalg.norm(pred - gt, axis=-1) / norm[:, None])
    assert float(rows[5]['NME/all']) == pytest.approx(per_kpt[:, 5].mean(),
                                                      abs=1e-3)
    per_face = list(csv.DictReader(open(tmp_path / 'per_sample_nme.csv')))
    assert np.mean([float(r['NME']) for r in per_face]) == pytest.approx(
        res['NME'], abs=1e-3)
    run(FaceLandmarkMetric(outfile_prefix=str(tmp_path / 'run1')),
        make_samples(pred, gt), WFLW)
    assert (tmp_path / 'run1_ced.png').is_file()


def test_keys_usable_by_checkpoint_hook():
    from mmengine.hooks import CheckpointHook
    hook = CheckpointHook(save_best='NME', rule='less')
    pred, gt = random_faces(3, 98)
    res = run(FaceLandmarkMetric(), make_samples(pred, gt), WFLW)
    assert hook.key_indicators == ['NME'] and 'NME' in res
    assert hook.rules == ['less']


@pytest.mark.parametrize('kwargs, err', [
    (dict(norm_mode='pupil'), ValueError),
    (dict(average='median'), ValueError),
    (dict(keypoint_indices=[1, 2, 3]), ValueError),
    (dict(thresholds=[0.1, -1]), ValueError),
    (dict(box_source='face'), ValueError),
    (dict(subsets=['a.json']), TypeError),
])
def test_bad_arguments(kwargs, err):
    with pytest.raises(err):
        FaceLandmarkMetric(**kwargs)


def test_bad_shapes_and_unknown_dataset():
    pred, gt = random_faces(2, 98)
    samples = make_samples(pred[:, :97], gt)
    with pytest.raises(ValueError, match='do not match'):
        FaceLandmarkMetric().process([], samples)
    with pytest.raises(KeyError, match='keypoint_indices'):
        run(FaceLandmarkMetric(), make_samples(pred, gt),
            dict(dataset_name='mystery'))
    with pytest.raises(ValueError, match='bboxes'):
        run(FaceLandmarkMetric(norm_mode='bbox'), make_samples(pred, gt),
            WFLW)


def test_out_dir_auto_uses_log_file_folder(tmp_path):
    from mmengine.logging import MMLogger
    (tmp_path / 'run').mkdir()
    log_file = tmp_path / 'run' / 'run.log'
    MMLogger.get_instance('face_metric_auto', log_file=str(log_file))
    pred, gt = random_faces(3, 98)
    run(FaceLandmarkMetric(out_dir='auto'), make_samples(pred, gt), WFLW)
    assert (tmp_path / 'run' / 'ced.png').is_file()
    assert (tmp_path / 'run' / 'per_sample_nme.csv').is_file()


def test_faces_without_a_normaliser_or_visible_landmark_are_dropped_with_a_warning(tmp_path):
    pred, gt = random_faces(5, 98, seed=6)
    gt[2, 72] = gt[2, 60]               # coincident outer eye corners: zero normaliser
    vis = np.ones((5, 98), np.float32)
    vis[4] = 0                          # nothing visible
    with pytest.warns(UserWarning, match=r'2 face\(s\) have a zero normaliser'):
        res = run(FaceLandmarkMetric(out_dir=str(tmp_path)),
                  make_samples(pred, gt, vis), WFLW)
    kept = [0, 1, 3]
    norm = np.linalg.norm(gt[kept, 60] - gt[kept, 72], axis=-1)
    nmes = (np.linalg.norm(pred[kept] - gt[kept], axis=-1) / norm[:, None]).mean(1)
    assert res['NME'] == pytest.approx(100 * nmes.mean(), rel=1e-5)
    assert res['FR@0.1'] == pytest.approx(100 * np.mean(nmes > 0.1))
    rows = list(csv.DictReader(open(tmp_path / 'per_sample_nme.csv')))
    assert [r['NME'] == '' for r in rows] == [False, False, True, False, True]


def test_no_face_with_a_positive_normaliser_is_an_error():
    pred, gt = random_faces(2, 98)
    gt[:, 72] = gt[:, 60]
    with pytest.warns(UserWarning, match='zero normaliser'), \
            pytest.raises(ValueError, match='no face has a positive normaliser'):
        run(FaceLandmarkMetric(), make_samples(pred, gt), WFLW)


def test_no_samples_is_an_error():
    with pytest.raises(ValueError, match='got no samples'):
        run(FaceLandmarkMetric(), [], WFLW)


def test_samples_of_different_keypoint_counts_are_refused():
    pred, gt = random_faces(2, 98)
    pred68, gt68 = random_faces(1, 68)
    samples = make_samples(pred, gt) + make_samples(pred68, gt68)
    with pytest.raises(ValueError, match=r'different keypoint shapes: \[\(68, 2\), \(98, 2\)\]'):
        run(FaceLandmarkMetric(keypoint_indices=[0, 1]), samples, WFLW)
