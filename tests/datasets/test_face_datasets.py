"""Real benchmark samples through popos' dataset configs and face metric."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import DATASETS
from popos.datasets import Face51Dataset, dump_pts
from popos.evaluation import FaceLandmarkMetric
from popos.metainfo import metainfo_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAMPLES = osp.join(REPO, '..', 'shared', 'data', 'face_samples')
CFG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')
needs_samples = pytest.mark.skipif(
    not osp.isdir(SAMPLES), reason='../shared/data/face_samples is absent')

# config, sample folder, sample json, indices of the outer eye corners
CASES = [
    ('wflw.py', 'wflw', 'test_wflw.json', (60, 72)),
    ('300w.py', '300w', 'test_300w.json', (36, 45)),
    ('cofw.py', 'cofw', 'test_cofw.json', (8, 9)),
    ('aflw.py', 'aflw', 'test_aflw.json', None),  # face-box size
    ('aflw_frontal.py', 'aflw', 'test_aflw.json', None),
    ('lapa.py', 'lapa', 'test_lapa.json', (66, 79)),
    ('coco_wholebody_face.py', 'coco_wholebody', 'test_coco_wholebody.json',
     (36, 45)),
]
PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(64, 64)),
    dict(type='PackPoseInputs'),
]
SHIFT = np.array([3., 4.], np.float32)  # a 5-px error on every landmark


def load_converter():
    path = osp.join(REPO, 'tools', 'dataset_converters', 'pts_to_coco.py')
    spec = importlib.util.spec_from_file_location('pts_to_coco', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_test_set(cfg_name, folder, ann, pipeline=PIPELINE):
    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(CFG_DIR, cfg_name))
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.update(
        data_root=osp.join(SAMPLES, folder),
        ann_file=ann,
        data_prefix=dict(img=''),
        pipeline=pipeline)
    return cfg, DATASETS.build(ds_cfg)


def evaluate(metric, dataset, shift):
    """Run the metric on packed samples with prediction = gt + shift."""
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples'].to_dict()
        gt = sample['gt_instances']['keypoints']
        sample['pred_instances'] = dict(keypoints=gt + shift)
        samples.append(sample)
    metric.process([], samples)
    return metric.evaluate(len(samples))


def expected_nme(folder, ann, eyes):
    """Independent: 100 * mean over faces of 5 px / normaliser, from json."""
    with open(osp.join(SAMPLES, folder, ann)) as f:
        coco = json.load(f)
    norms = []
    for a in coco['annotations']:
        if folder == 'coco_wholebody':
            if not a.get('face_valid') or max(a['face_kpts']) <= 0:
                continue
            kpts = np.array(a['face_kpts']).reshape(-1, 3)
        else:
            kpts = np.array(a['keypoints']).reshape(-1, 3)
        norms.append(a['box_size'] if eyes is None else np.linalg.norm(
            kpts[eyes[0], :2] - kpts[eyes[1], :2]))
    return 100 * np.mean(5. / np.array(norms)), len(norms)


@needs_samples
@pytest.mark.parametrize('cfg_name, folder, ann, eyes', CASES)
def test_real_samples_through_configs(cfg_name, folder, ann, eyes):
    cfg, dataset = build_test_set(cfg_name, folder, ann)
    want, num = expected_nme(folder, ann, eyes)
    assert len(dataset) == num > 0
    val = cfg.val_evaluator.copy()
    val.pop('type')
    zero = evaluate(FaceLandmarkMetric(**val), dataset, 0.)
    assert zero['NME'] == pytest.approx(0., abs=1e-6)
    assert zero['FR@0.1'] == 0. and zero['AUC@0.1'] == pytest.approx(100.)
    res = evaluate(FaceLandmarkMetric(**val), dataset, SHIFT)
    assert res['NME'] == pytest.approx(want, rel=1e-4)


@needs_samples
def test_config_test_evaluators_declare_subsets():
    wflw = Config.fromfile(osp.join(CFG_DIR, 'wflw.py'))
    assert set(wflw.test_evaluator.subsets) == {
        'pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur'
    }
    assert wflw.test_evaluator.subsets['pose'].startswith('data/wflw/')
    w300 = Config.fromfile(osp.join(CFG_DIR, '300w.py'))
    assert set(w300.test_evaluator.subsets) == {'common', 'challenge'}
    private = Config.fromfile(osp.join(CFG_DIR, '300w_private.py'))
    assert private.test_dataloader.dataset.ann_file.endswith('300w_test.json')
    assert 'subsets' not in private.test_evaluator
    frontal = Config.fromfile(osp.join(CFG_DIR, 'aflw_frontal.py'))
    assert frontal.test_dataloader.dataset.ann_file.endswith('frontal.json')
    assert frontal.train_dataloader.dataset.ann_file.endswith('train.json')


@needs_samples
def test_wflw_subset_file_on_real_samples(tmp_path):
    """A subset file holding one of two faces of the same WFLW image."""
    src = osp.join(SAMPLES, 'wflw', 'test_wflw.json')
    with open(src) as f:
        coco = json.load(f)
    by_img = {}
    for a in coco['annotations']:
        by_img.setdefault(a['image_id'], []).append(a)
    shared = next(anns for anns in by_img.values() if len(anns) > 1)
    keep = shared[0]
    sub = dict(coco, annotations=[keep])
    (tmp_path / 'pose.json').write_text(json.dumps(sub))
    _, dataset = build_test_set('wflw.py', 'wflw', 'test_wflw.json')
    metric = FaceLandmarkMetric(subsets=dict(pose=str(tmp_path / 'pose.json')),
                                out_dir=str(tmp_path / 'out'))
    res = evaluate(metric, dataset, SHIFT)
    kpts = np.array(keep['keypoints']).reshape(-1, 3)
    norm = np.linalg.norm(kpts[60, :2] - kpts[72, :2])
    assert res['NME/pose'] == pytest.approx(100 * 5 / norm, rel=1e-4)
    assert (tmp_path / 'out' / 'ced.png').is_file()
    lines = (tmp_path / 'out' / 'per_landmark_nme.csv').read_text().split()
    assert len(lines) == 99 and lines[0] == 'index,name,NME/all,NME/pose'


def test_face51_metainfo_resolves_from_package():
    path = metainfo_path('face51')
    assert osp.isabs(path) and osp.isfile(path)
    assert Face51Dataset.METAINFO['from_file'] == path
    meta = parse_pose_metainfo(dict(from_file=path))
    assert meta['dataset_name'] == 'face51' and meta['num_keypoints'] == 51
    flip = meta['flip_indices']
    assert [flip[i] for i in flip] == list(range(51))
    # 300W pairs 36<->45, 48<->54, 33 self -> 19<->28, 31<->37, 16 self
    assert (flip[19], flip[31], flip[16]) == (28, 37, 16)
    assert len(meta['sigmas']) == 51
    with pytest.raises(FileNotFoundError, match='face99'):
        metainfo_path('face99')


@needs_samples
def test_ivslab51_from_pts_through_converter_and_config(tmp_path):
    """300W samples minus the jaw -> .pts -> json -> Face51Dataset -> NME."""
    with open(osp.join(SAMPLES, '300w', 'test_300w.json')) as f:
        coco = json.load(f)
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    faces = {im['file_name']: [] for im in coco['images']}
    names = {im['id']: im['file_name'] for im in coco['images']}
    for a in coco['annotations']:
        faces[names[a['image_id']]].append(
            np.array(a['keypoints']).reshape(68, 3)[17:, :2])
    norms = []
    for name, kpts in faces.items():
        os.symlink(osp.join(SAMPLES, '300w', name), img_dir / name)
        dump_pts(kpts, str(img_dir / (osp.splitext(name)[0] + '.pts')))
        norms += [np.linalg.norm(k[19] - k[28]) for k in kpts]
    ann = tmp_path / 'annotations' / 'ivslab51_val.json'
    load_converter().main([str(img_dir), str(ann), '--num-keypoints', '51'])

    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(CFG_DIR, 'ivslab51.py'))
    ds_cfg = cfg.val_dataloader.dataset.copy()
    ds_cfg.update(data_root=str(tmp_path), pipeline=PIPELINE)
    dataset = DATASETS.build(ds_cfg)
    assert isinstance(dataset, Face51Dataset)
    assert len(dataset) == len(norms)
    assert dataset.metainfo['flip_indices'][19] == 28
    val = cfg.val_evaluator.copy()
    val.pop('type')
    assert evaluate(FaceLandmarkMetric(**val), dataset, 0.)['NME'] == 0.
    res = evaluate(FaceLandmarkMetric(**val), dataset, SHIFT)
    assert res['NME'] == pytest.approx(100 * np.mean(5 / np.array(norms)),
                                       rel=1e-4)


def test_face51_rejects_wrong_keypoint_count(tmp_path):
    coco = dict(
        images=[dict(id=1, file_name='a.jpg', width=10, height=10)],
        annotations=[
            dict(id=1, image_id=1, keypoints=[1.] * 68 * 3, bbox=[0, 0, 5, 5],
                 category_id=1)
        ],
        categories=[dict(id=1, name='face')])
    (tmp_path / 'a.json').write_text(json.dumps(coco))
    with pytest.raises(ValueError, match='204 keypoint values'):
        Face51Dataset(ann_file=str(tmp_path / 'a.json'), data_root='')


@pytest.mark.parametrize('cls_name, name, num', [
    ('WFLWDataset', 'wflw', 98), ('Face300WDataset', '300w', 68),
    ('COFWDataset', 'cofw', 29), ('AFLWDataset', 'aflw', 19),
    ('LapaDataset', 'lapa', 106),
    ('CocoWholeBodyFaceDataset', 'coco_wholebody_face', 68)
])
def test_mmpose_metainfo_not_shadowed_in_repo_root(monkeypatch, cls_name,
                                                    name, num):
    """mmpose's relative METAINFO path hits our fragment from the repo root."""
    monkeypatch.chdir(REPO)
    rel = DATASETS.get(cls_name).METAINFO['from_file']
    assert osp.isfile(rel)  # the shadowing this guards against is real
    meta = parse_pose_metainfo(dict(from_file=rel))
    assert meta['dataset_name'] == name and meta['num_keypoints'] == num
