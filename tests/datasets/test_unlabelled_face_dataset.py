"""UnlabelledFaceDataset and images_to_unlabelled_coco.py: boxes in, invisible keypoints out."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import popos  # noqa: F401
from popos.codecs import POPoSHeatmap

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WFLW_META = dict(from_file=osp.join(ROOT, 'configs/_base_/datasets/wflw.py'))
spec = importlib.util.spec_from_file_location(
    'images_to_unlabelled_coco',
    osp.join(ROOT, 'tools', 'dataset_converters', 'images_to_unlabelled_coco.py'))
to_coco = importlib.util.module_from_spec(spec)
spec.loader.exec_module(to_coco)

CODEC = dict(type='POPoSHeatmap', input_size=(64, 64), heatmap_size=(8, 8), sigma=1.5)
TRAIN_PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=1.0),
    dict(type='TopdownAffine', input_size=(64, 64)),
    dict(type='GenerateTarget', encoder=CODEC),
    dict(type='PackPoseInputs'),
]


def _build(root, ann_file, img='images/', **kw):
    init_default_scope('mmpose')
    return DATASETS.build(dict(type='UnlabelledFaceDataset', data_root=root + '/',
                               ann_file=ann_file, data_prefix=dict(img=img),
                               metainfo=WFLW_META, **kw))


def test_wflw_file_gives_the_same_boxes_and_no_landmarks(tiny_wflw):
    ann = 'annotations/face_landmarks_wflw_train.json'
    unlabelled = _build(tiny_wflw, ann)
    labelled = DATASETS.build(dict(type='WFLWDataset', data_root=tiny_wflw + '/', ann_file=ann,
                                   data_prefix=dict(img='images/')))
    assert len(unlabelled) == len(labelled) == 8
    for i in range(len(unlabelled)):
        u, ref = unlabelled.get_data_info(i), labelled.get_data_info(i)
        np.testing.assert_allclose(u['bbox'], ref['bbox'], rtol=1e-5)
        np.testing.assert_allclose(u['bbox_scale'], ref['bbox_scale'], rtol=1e-5)
        assert u['img_path'] == ref['img_path']
        assert ref['keypoints_visible'].sum() > 0  # the file has landmarks ...
        assert u['keypoints'].shape == (1, 98, 2) and not u['keypoints'].any()
        assert u['keypoints_visible'].shape == (1, 98) and not u['keypoints_visible'].any()


def test_train_pipeline_gives_zero_target_weights(tiny_wflw):
    ds = _build(tiny_wflw, 'annotations/face_landmarks_wflw_train.json', pipeline=TRAIN_PIPELINE)
    sample = ds[0]['data_samples']
    assert tuple(ds[0]['inputs'].shape) == (3, 64, 64)
    weights = sample.gt_instance_labels.keypoint_weights
    assert weights.shape == (1, 98) and float(weights.abs().sum()) == 0.0
    # the codec itself: invisible keypoints -> zero weight (what the GT losses multiply by)
    enc = POPoSHeatmap(**{k: v for k, v in CODEC.items() if k != 'type'}).encode(
        np.zeros((1, 98, 2), np.float32), np.zeros((1, 98), np.float32))
    assert not enc['keypoint_weights'].any()


def test_folder_of_crops_and_detector_boxes(tmp_path):
    imgs = tmp_path / 'images'
    (imgs / 'sub').mkdir(parents=True)
    cv2.imwrite(str(imgs / 'a.jpg'), np.full((40, 30, 3), 128, np.uint8))
    cv2.imwrite(str(imgs / 'sub' / 'b.png'), np.full((20, 50, 3), 64, np.uint8))
    coco = to_coco.build_coco(str(imgs))
    assert [i['file_name'] for i in coco['images']] == ['a.jpg', osp.join('sub', 'b.png')]
    assert [a['bbox'] for a in coco['annotations']] == [[0, 0, 30, 40], [0, 0, 50, 20]]
    boxes = tmp_path / 'boxes.txt'
    boxes.write_text('# image x y w h\na.jpg 2 3 10 12\na.jpg 5 5 8 8\n')
    coco_boxes = to_coco.build_coco(str(imgs), to_coco.read_boxes(str(boxes)))
    assert len(coco_boxes['images']) == 1 and len(coco_boxes['annotations']) == 2
    ann = tmp_path / 'unlabelled.json'
    ann.write_text(json.dumps(coco_boxes))
    ds = _build(str(tmp_path), str(ann))
    np.testing.assert_allclose(ds.get_data_info(0)['bbox'], [[2, 3, 12, 15]])
    # an image listed without any annotation is used whole
    del coco['annotations'][1]
    ann.write_text(json.dumps(coco))
    ds = _build(str(tmp_path), str(ann))
    assert len(ds) == 2
    np.testing.assert_allclose(ds.get_data_info(1)['bbox'], [[0, 0, 50, 20]])


def test_bad_input_is_refused(tmp_path):
    imgs = tmp_path / 'images'
    imgs.mkdir()
    with pytest.raises(ValueError, match='no .*images'):
        to_coco.build_coco(str(imgs))
    (imgs / 'broken.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(ValueError, match='cannot read image .*broken.jpg'):
        to_coco.build_coco(str(imgs))
    bad = tmp_path / 'boxes.txt'
    bad.write_text('broken.jpg 1 2 3\n')
    with pytest.raises(ValueError, match='boxes.txt:1'):
        to_coco.read_boxes(str(bad))
    for box in ('nan 0 10 10', '0 0 inf 10'):
        bad.write_text(f'broken.jpg {box}\n')
        with pytest.raises(ValueError, match='boxes.txt:1: box .* is not finite'):
            to_coco.read_boxes(str(bad))
    bad.write_text('other.jpg 1 2 3 4\n')
    with pytest.raises(ValueError, match='not under'):
        to_coco.build_coco(str(imgs), to_coco.read_boxes(str(bad)))

    def write(ann):
        path = tmp_path / 'ann.json'
        path.write_text(json.dumps(dict(
            images=[dict(id=1, file_name='x.jpg', width=10, height=10)], annotations=[ann],
            categories=[dict(id=1, name='face')])))
        return str(path)

    base = dict(id=1, image_id=1, category_id=1)
    with pytest.raises(ValueError, match='neither'):
        _build(str(tmp_path), write(base))
    with pytest.raises(ValueError, match='empty or non-finite'):
        _build(str(tmp_path), write(dict(base, bbox=[1, 1, 0, 5])))
    with pytest.raises(ValueError, match='x, y, w, h'):
        _build(str(tmp_path), write(dict(base, bbox=[1, 1, 5])))
    with pytest.raises(ValueError, match='metainfo'):
        init_default_scope('mmpose')
        DATASETS.build(dict(type='UnlabelledFaceDataset', data_root=str(tmp_path) + '/',
                            ann_file=write(dict(base, bbox=[1, 1, 5, 5])),
                            data_prefix=dict(img='')))
