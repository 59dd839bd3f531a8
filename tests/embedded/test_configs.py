"""Every embedded config builds, produces its codec's heatmap size and stays small."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import popos  # noqa: F401
import popos.embedded  # noqa: F401
import popos.models.distillers  # noqa: F401
from popos.embedded import POPoSTruncatedBackbone

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


# configs that train on the first 100 faces repeated `times` per epoch (RepeatDataset)
REPEATED_SUBSETS = {
    'td-hm_hrnetv2-w18s_popos-1xb32-64e_synthetic-wflw-100x10-128x128-hm16.py': 10,
    'td-hm_mobilenetv2-0.5_popos-1xb64-32e_synthetic-wflw-100x32-128x128-hm8.py': 32,
}


@pytest.mark.parametrize('name', sorted(REPEATED_SUBSETS))
def test_repeated_subset_config_builds_its_train_set(name, tiny_wflw):
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(REPO, 'configs/embedded', name))
    wrapper = cfg.train_dataloader.dataset
    assert wrapper.type == 'RepeatDataset' and wrapper.times == REPEATED_SUBSETS[name]
    assert wrapper.dataset.indices == 100
    wrapper.dataset.data_root = tiny_wflw + '/'
    dataset = DATASETS.build(wrapper)
    assert len(dataset) == 8 * wrapper.times  # the tiny set has 8 faces, fewer than 100
    item = dataset[len(dataset) - 1]
    w, h = cfg.codec['input_size']
    assert tuple(item['inputs'].shape) == (3, h, w)
    target = item['data_samples'].gt_fields.heatmaps
    assert tuple(target.shape[-2:]) == tuple(cfg.codec['heatmap_size'][::-1])


def test_truncation_drops_unused_layers_and_keeps_outputs():
    body = dict(type='MobileNetV2', widen_factor=0.5, out_indices=(4, ))
    full = MODELS.build(body)
    cut = MODELS.build(dict(type='POPoSTruncatedBackbone', backbone=body))
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
        POPoSTruncatedBackbone(dict(type='ResNet', depth=18))
