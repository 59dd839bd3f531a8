"""Non-square heatmaps (body 192x256 crops): codec, flip test, and the heatmap-size switch.

Sizes are the COCO body ones: 48x64 (stride 4, mmpose's default), 12x16 and 6x8 (W x H).
Every check is against an independent computation: the closed-form Gaussian, mmpose's own
DARK decoder and argmax, mmpose's ``flip_keypoints`` applied to the input coordinates, and a
model built from the resized config.
"""
import os.path as osp
from typing import Tuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.codecs import MSRAHeatmap
from mmpose.codecs.utils import get_heatmap_maximum
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.structures.keypoint import flip_keypoints
from mmpose.structures import PoseDataSample

import popos  # noqa: F401
from popos.codecs import POPoSHeatmap
from popos.utils import config_heatmap_size, set_heatmap_size

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BODY = osp.join(ROOT, 'configs', 'coco', 'td-hm_res50_popos-8xb64-210e_coco-256x192-hm12x16.py')
HAND = osp.join(ROOT, 'configs', 'coco_wholebody_hand',
                'td-hm_res50_popos-8xb32-210e_coco-wholebody-hand-256x256-hm16.py')
INPUT = (192, 256)                       # (w, h) of a COCO body crop
SIZES = [(48, 64), (12, 16), (6, 8)]     # (W, H)
SIGMA = 2.0
K = 17
# mmpose's own COCO metainfo: the body flip pairs (left/right eye, ear, shoulder, ...)
COCO_FLIP = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))['flip_indices']


def random_keypoints(rng: np.random.Generator, n: int, margin: float) -> np.ndarray:
    """(n, K, 2) float32 input-px keypoints at least ``margin`` px inside the crop."""
    x = rng.uniform(margin, INPUT[0] - 1 - margin, (n, K))
    y = rng.uniform(margin, INPUT[1] - 1 - margin, (n, K))
    return np.stack([x, y], -1).astype(np.float32)


def closed_form_gaussian(kpt_hm: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """exp(-|p - m|^2 / 2 sigma^2) over a (H, W) grid with pixel i centred at i."""
    xs, ys = np.meshgrid(np.arange(size[0]), np.arange(size[1]))
    return np.exp(-((xs - kpt_hm[0]) ** 2 + (ys - kpt_hm[1]) ** 2) / (2 * SIGMA ** 2))


@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
def test_encode_is_the_closed_form_gaussian_in_w_by_h_layout(size):
    codec = POPoSHeatmap(input_size=INPUT, heatmap_size=size, sigma=SIGMA)
    kpts = random_keypoints(np.random.default_rng(1), 1, margin=0)
    enc = codec.encode(kpts)
    assert enc['heatmaps'].shape == (K, size[1], size[0])
    stride = np.array(INPUT) / np.array(size)        # 4, 16, 32 on both axes here
    for k in range(K):
        ref = closed_form_gaussian(kpts[0, k] / stride, size)
        np.testing.assert_allclose(enc['heatmaps'][k], ref, atol=1e-6)


@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
def test_decode_of_ideal_maps_returns_the_subpixel_location(size):
    codec = POPoSHeatmap(input_size=INPUT, heatmap_size=size, sigma=SIGMA)
    # margin 0: landmarks on the crop border too, where the short (W) axis ends first
    kpts = random_keypoints(np.random.default_rng(2), 4, margin=0)
    heatmaps = np.stack([codec.encode(k[None])['heatmaps'] for k in kpts])
    decoded, scores = codec.batch_decode(torch.from_numpy(heatmaps))
    assert decoded.shape == (4, 1, K, 2)
    err = np.linalg.norm(decoded[:, 0] - kpts, axis=-1)
    assert err.max() < 0.01, err.max()               # input px, at strides 4 to 32
    assert (scores > 0.5).all()


@pytest.mark.parametrize('size,bound_px', [((48, 64), 0.25), ((12, 16), 1.0), ((6, 8), 3.0)],
                         ids=['48x64', '12x16', '6x8'])
def test_decode_of_perturbed_maps_beats_mmpose_dark_and_argmax(size, bound_px):
    """Width 1.2x, amplitude 0.8x and noise: mmpose's DARK and argmax decode the same maps."""
    rng = np.random.default_rng(3)
    codec = POPoSHeatmap(input_size=INPUT, heatmap_size=size, sigma=SIGMA)
    wide = POPoSHeatmap(input_size=INPUT, heatmap_size=size, sigma=1.2 * SIGMA)
    dark = MSRAHeatmap(input_size=INPUT, heatmap_size=size, sigma=SIGMA, unbiased=True)
    err = {'popos': [], 'dark': [], 'argmax': []}
    for _ in range(10):
        kpts = random_keypoints(rng, 1, margin=8)
        hm = 0.8 * wide.encode(kpts)['heatmaps']
        hm = (hm + rng.normal(0, 0.01, hm.shape)).astype(np.float32)
        err['popos'].append(np.linalg.norm(codec.decode(hm)[0] - kpts, axis=-1).mean())
        err['dark'].append(np.linalg.norm(dark.decode(hm)[0] - kpts, axis=-1).mean())
        peak, _ = get_heatmap_maximum(hm)
        err['argmax'].append(np.linalg.norm(peak * codec.scale_factor - kpts, axis=-1).mean())
    mean = {k: float(np.mean(v)) for k, v in err.items()}
    assert mean['popos'] < bound_px, mean            # a fraction of one stride (4, 16, 32 px)
    assert mean['popos'] < mean['dark'] and mean['popos'] < 0.5 * mean['argmax'], mean


def flip_head(size: Tuple[int, int]):
    """A POPoSHead whose forward returns its input, so predict() sees chosen heatmaps."""
    codec = dict(type='POPoSHeatmap', input_size=INPUT, heatmap_size=size, sigma=SIGMA)
    head = MODELS.build(dict(type='POPoSHead', in_channels=K, out_channels=K,
                             deconv_out_channels=None, decoder=codec))
    head.forward = lambda feats: feats[-1]
    return head


@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
def test_flip_test_exact_shift_equals_brute_force_flip_of_the_input(size):
    codec = POPoSHeatmap(input_size=INPUT, heatmap_size=size, sigma=SIGMA)
    kpts = random_keypoints(np.random.default_rng(4), 1, margin=8)
    # brute force: flip the *input* (mmpose's flip_keypoints: x -> w - 1 - x, swap pairs)
    flipped, _ = flip_keypoints(kpts, np.ones((1, K)), INPUT, COCO_FLIP)
    maps = torch.from_numpy(codec.encode(kpts)['heatmaps'])[None]
    maps_of_flipped_input = torch.from_numpy(codec.encode(flipped)['heatmaps'])[None]
    head = flip_head(size)

    back = head.flip_back(maps_of_flipped_input, COCO_FLIP, {})
    assert torch.allclose(back, maps, atol=1e-4), (back - maps).abs().max()

    sample = PoseDataSample(metainfo=dict(flip_indices=COCO_FLIP))
    preds = head.predict([[maps], [maps_of_flipped_input]], [sample],
                         dict(flip_test=True))
    assert np.abs(preds[0].keypoints[0] - kpts[0]).max() < 0.01

    # mmpose's one-pixel shift is W / w_in heatmap px too far = exactly 1 input px in x, where
    # the Gaussian does not reach column 0 (mmpose replicates that column into the gap)
    mm = head.flip_back(maps_of_flipped_input, COCO_FLIP, dict(flip_shift='mmpose'))
    shift_x = codec.decode(mm[0].numpy())[0][0, :, 0] - kpts[0, :, 0]
    clear = kpts[0, :, 0] / codec.scale_factor[0] >= 4 * SIGMA
    np.testing.assert_allclose(shift_x[clear], 1.0, atol=0.02)
    exact_x = preds[0].keypoints[0, :, 0] - kpts[0, :, 0]
    assert np.abs(exact_x).mean() < 0.05 * np.abs(shift_x).mean()


def unscoped(codec: dict) -> dict:
    """mmengine tags dicts inherited through ``mmpose::`` with ``_scope_``; compare without it."""
    return {k: v for k, v in codec.items() if k != '_scope_'}


def codec_copies(cfg: Config) -> list:
    encoders = [t['encoder'] for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'GenerateTarget']
    return [unscoped(c) for c in [cfg.codec, cfg.model.head.decoder, *encoders]]


@pytest.mark.parametrize('height,size', [(64, (48, 64)), (16, (12, 16)), (8, (6, 8))],
                         ids=['48x64', '12x16', '6x8'])
def test_heatmap_size_switch_resizes_the_body_config_everywhere(height, size):
    cfg = set_heatmap_size(Config.fromfile(BODY), height)
    copies = codec_copies(cfg)
    assert len(copies) == 3 and all(c == copies[0] for c in copies), copies
    assert copies[0]['type'] == 'POPoSHeatmap' and tuple(copies[0]['heatmap_size']) == size
    assert config_heatmap_size(cfg) == size and cfg.heatmap_size == height
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        out = model._forward(torch.zeros(1, 3, INPUT[1], INPUT[0]))
    assert tuple(out.shape) == (1, K, size[1], size[0])
    assert model.head.trained_heatmap_hw.tolist() == [size[1], size[0]]


@pytest.mark.parametrize('height', [64, 8])
def test_heatmap_size_switch_on_the_hand_config(height):
    cfg = set_heatmap_size(Config.fromfile(HAND), height)
    copies = codec_copies(cfg)
    assert all(c == copies[0] for c in copies) and copies[0]['heatmap_size'] == (height, height)
    cfg.model.backbone.init_cfg = None
    with torch.no_grad():
        out = MODELS.build(cfg.model).eval()._forward(torch.zeros(1, 3, 256, 256))
    assert tuple(out.shape) == (1, 21, height, height)


def test_heatmap_size_that_does_not_divide_the_crop_is_refused():
    with pytest.raises(ValueError, match='does not divide'):
        set_heatmap_size(Config.fromfile(BODY), 12)


def test_the_three_line_change_to_a_stock_mmpose_config(tmp_path):
    """docs/other_projects.md: edit mmpose's own COCO config in place, three lines."""
    import mmpose
    stock = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                     'topdown_heatmap', 'coco', 'td-hm_res50_8xb64-210e_coco-256x192.py')
    with open(stock) as f:
        text = f.read()
    # the copy lives outside mmpose's tree: its relative _base_ becomes an mmpose:: one
    text = text.replace("'../../../_base_/default_runtime.py'",
                        "'mmpose::_base_/default_runtime.py'")
    for old, new in (("type='MSRAHeatmap'", "type='POPoSHeatmap'"),
                     ("type='HeatmapHead'", "type='POPoSHead'")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    text += "\ncustom_imports = dict(imports=['popos'], allow_failed_imports=False)\n"
    path = tmp_path / 'my_coco_config.py'
    path.write_text(text)

    cfg = Config.fromfile(str(path))
    copies = codec_copies(cfg)
    assert all(c == copies[0] and c['type'] == 'POPoSHeatmap' for c in copies), copies
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    assert type(model.head).__name__ == 'POPoSHead'
    assert isinstance(model.head.decoder, POPoSHeatmap)
    with torch.no_grad():
        out = model._forward(torch.zeros(1, 3, INPUT[1], INPUT[0]))
    assert tuple(out.shape) == (1, K, 64, 48)
