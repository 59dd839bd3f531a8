"""The stride-4 HRNet-W18-S 8x8 config: full-resolution features, head-side downsampling."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.utils import set_heatmap_size

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/synthetic/'
                  'td-hm_hrnetv2-w18s-stride4_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py')


def test_stride4_backbone_gives_8x8_heatmaps():
    model = MODELS.build(Config.fromfile(CONFIG).model).eval()
    assert model.backbone.output_stride == 4
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, 128, 128))
        heatmaps = model.head.forward(feats)
    assert feats[-1].shape[-2:] == (32, 32) and heatmaps.shape == (1, 98, 8, 8)
    assert len(model.head.downsample_layers) == 2


def test_heatmap_size_switch_refuses_head_side_downsampling():
    with pytest.raises(ValueError, match='downsample_out_channels'):
        set_heatmap_size(Config.fromfile(CONFIG), 4)
