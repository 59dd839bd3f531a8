"""StridedConvNeck: FeatureMapProcessor's concat, then stride-2 blocks to the heatmap size."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.models.necks import FeatureMapProcessor
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.models.necks import StridedConvNeck

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _feats():
    torch.manual_seed(0)
    return (torch.randn(2, 4, 16, 16), torch.randn(2, 8, 8, 8), torch.randn(2, 16, 4, 4))


def test_without_convs_it_is_mmposes_feature_map_processor():
    feats = _feats()
    ours = StridedConvNeck(in_channels=28, num_convs=0, concat=True)(feats)
    ref = FeatureMapProcessor(concat=True)(feats)
    assert len(ours) == len(ref) == 1 and torch.equal(ours[0], ref[0])


def test_each_block_halves_the_map_and_trains():
    neck = StridedConvNeck(in_channels=28, num_convs=2, out_channels=12, concat=True)
    out = neck(_feats())
    assert len(out) == 1 and out[0].shape == (2, 12, 4, 4)
    out[0].square().mean().backward()
    assert all(p.grad is not None for p in neck.parameters())
    with pytest.raises(ValueError, match='one map'):
        StridedConvNeck(in_channels=4, num_convs=1)(_feats())
    with pytest.raises(ValueError, match='num_convs'):
        StridedConvNeck(in_channels=4, num_convs=-1)


def test_stride4_config_gives_8x8_heatmaps():
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/synthetic/td-hm_hrnetv2-w18s-stride4_popos-1xb32-24e_synthetic-wflw-'
        '128x128-hm8.py'))
    model = MODELS.build(cfg.model).eval()
    assert model.backbone.output_stride == 4
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 128, 128))
        heatmaps = model.head.forward(feats)
    assert feats[0].shape[-2:] == (8, 8) and heatmaps.shape == (1, 98, 8, 8)


def test_heatmap_size_switch_refuses_the_neck_config():
    from popos.utils import set_heatmap_size
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/synthetic/td-hm_hrnetv2-w18s-stride4_popos-1xb32-24e_synthetic-wflw-'
        '128x128-hm8.py'))
    with pytest.raises(ValueError, match='StridedConvNeck'):
        set_heatmap_size(cfg, 4)
