"""LandmarkPredictor's lean crop equals mmpose's own transforms + data preprocessor."""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config

import popos  # noqa: F401
from popos.apis.predictor import LandmarkPredictor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def mmpose_crops(cfg, img, boxes):
    """The reference: GetBBoxCenterScale + TopdownAffine + PoseDataPreprocessor, per face."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS, TRANSFORMS
    from mmpose.structures import PoseDataSample
    init_default_scope('mmpose')
    steps = [TRANSFORMS.build(dict(type='GetBBoxCenterScale', padding=1.25)),
             TRANSFORMS.build(dict(type='TopdownAffine', input_size=cfg.codec['input_size']))]
    inputs, metas = [], []
    for box in boxes:
        res = dict(img=img.copy(), bbox=box[None], bbox_score=np.ones(1, np.float32))
        for t in steps:
            res = t(res)
        inputs.append(torch.from_numpy(res['img'].transpose(2, 0, 1).copy()))
        metas.append((res['input_center'], res['input_scale']))
    pre = MODELS.build(cfg.model.data_preprocessor)
    data = pre(dict(inputs=inputs, data_samples=[PoseDataSample() for _ in inputs]), False)
    return data['inputs'].float().numpy(), metas


def test_lean_crop_matches_the_mmpose_transforms():
    for name in ('configs/embedded/'
                 'td-hm_mobilenetv2-0.35_popos-1xb64-30e_synthetic-wflw-64x64-hm4.py',
                 'configs/300w/td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py'):
        cfg = Config.fromfile(osp.join(ROOT, name))
        rng = np.random.default_rng(0)
        img = rng.integers(0, 256, (180, 240, 3), dtype=np.uint8)
        # square, wide, tall and border-crossing boxes (xyxy)
        boxes = np.array([[40, 30, 140, 130], [10, 50, 200, 110], [100, 5, 150, 170],
                          [-20, 120, 60, 200]], np.float32)
        got, metas = LandmarkPredictor(cfg, runner=None).crops(img, boxes)
        want, want_metas = mmpose_crops(cfg, img, boxes)
        assert got.shape == want.shape == (4, 3) + tuple(cfg.codec['input_size'])[::-1]
        np.testing.assert_allclose(got, want, atol=1e-4)
        for meta, (center, scale) in zip(metas, want_metas):
            np.testing.assert_allclose(meta['center'], center, atol=1e-5)
            np.testing.assert_allclose(meta['scale'], scale, atol=1e-5)


def test_crop_padding_comes_from_the_model_test_pipeline():
    from popos.apis.predictor import test_padding
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/300w/td-hm_mobilenetv2_popos-1xb32-1200it_300w-64x64-hm8.py'))
    assert test_padding(cfg) == 1.25
    cfg.test_dataloader.dataset.pipeline[1]['padding'] = 1.4
    assert LandmarkPredictor(cfg, runner=None).padding == 1.4
