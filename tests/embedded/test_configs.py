"""Every embedded config builds, produces its codec's heatmap size and stays small."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import popos  # noqa: F401
import popos.models.distillers  # noqa: F401
from popos.models.backbones import TruncatedBackbone

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(c for c in glob.glob(osp.join(REPO, 'configs/embedded/td-*.py'))
                 if '-kd-' not in c)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_at_its_heatmap_size(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model).eval()
    w, h = cfg.codec['input_size']
    with torch.no_grad():
        out = model.head.forward(model.extract_feat(torch.zeros(1, 3, h, w)))
    assert tuple(out.shape) == (1, 98, cfg.codec['heatmap_size'][1], cfg.codec['heatmap_size'][0])
    assert sum(p.numel() for p in model.parameters()) < 5e6  # CSPNeXt-m: 3.6 M


# other mmpose backbones cut to the heatmap's stride: (backbone, head in_channels, out (h, w))
TRUNCATED = {
    'cspnext-s': (dict(type='CSPNeXt', arch='P5', expand_ratio=0.5, deepen_factor=0.33,
                       widen_factor=0.5, out_indices=(3, ), channel_attention=True,
                       norm_cfg=dict(type='BN'), act_cfg=dict(type='SiLU')), 256),
    'shufflenetv2-0.5': (dict(type='ShuffleNetV2', widen_factor=0.5, out_indices=(1, )), 96),
}


@pytest.mark.parametrize('name', sorted(TRUNCATED))
def test_truncated_backbones_feed_the_head_at_its_size(name):
    body, channels = TRUNCATED[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs/embedded',
                                   'td-hm_mobilenetv2-0.5_popos-1xb64-30e_synthetic-wflw-128x128-hm8.py'))
    cfg.model.backbone = dict(type='TruncatedBackbone', backbone=body)
    cfg.model.head.update(in_channels=channels, conv_out_channels=(channels, ))
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        out = model.head.forward(model.extract_feat(torch.zeros(1, 3, 128, 128)))
    assert tuple(out.shape) == (1, 98, 8, 8)


def test_truncation_drops_unused_layers_and_keeps_outputs():
    body = dict(type='MobileNetV2', widen_factor=0.5, out_indices=(4, ))
    full = MODELS.build(body)
    cut = MODELS.build(dict(type='TruncatedBackbone', backbone=body))
    full.eval()  # mmpose backbones' train() returns None: no chaining
    cut.eval()
    cut.body.load_state_dict(full.state_dict(), strict=False)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(full(x)[0], cut(x)[0])
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n(cut) < 0.5 * n(full)
    assert not hasattr(cut.body, 'conv2')


def test_truncation_rejects_bad_backbones():
    with pytest.raises(TypeError, match='cannot cut it'):
        TruncatedBackbone(dict(type='ResNet', depth=18))
