"""benchmark_embedded's lean per-face crop is the same crop LandmarkPredictor makes via mmpose."""
import importlib.util
import os.path as osp

import numpy as np
from mmengine.config import Config

import popos  # noqa: F401
from popos.deploy.inference import LandmarkPredictor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'benchmark_embedded', osp.join(ROOT, 'tools', 'analysis', 'benchmark_embedded.py'))
benchmark_embedded = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark_embedded)


def test_lean_crop_matches_the_mmpose_transforms():
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/embedded/td-hm_mobilenetv2-0.35_popos-1xb64-30e_synthetic-wflw-64x64-hm4.py'))
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (180, 240, 3), dtype=np.uint8)
    # square, wide, tall and border-crossing boxes (xyxy)
    boxes = np.array([[40, 30, 140, 130], [10, 50, 200, 110], [100, 5, 150, 170],
                      [-20, 120, 60, 200]], np.float32)
    ref, _ = LandmarkPredictor(cfg, runner=None).crops(img, boxes)
    lean = benchmark_embedded.CropNormalise(cfg)
    for box, want in zip(boxes, ref):
        got = lean(img, box)
        assert got.shape == (1, ) + want.shape
        np.testing.assert_allclose(got[0], want, atol=1e-4)
