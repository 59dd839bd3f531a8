"""tools/analysis/get_flops.py: the params / GFLOPs the model zoo quotes, checked independently."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from popos.weights import get_model_info, list_models

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                            'tools', 'analysis'))
from get_flops import complexity  # noqa: E402


def _conv_macs(model: torch.nn.Module, shape) -> int:
    """Multiply-adds of every convolution and linear layer in one forward, from their shapes."""
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            total[0] += output.numel() * (module.in_channels // module.groups) * kh * kw
        else:
            total[0] += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, *shape))
    for h in handles:
        h.remove()
    return total[0]


@pytest.mark.parametrize('name', list_models())
def test_shipped_models_match_their_index_entry(name):
    """models.json (and the model zoo table built from it) = what get_flops counts; the count
    is the convolutions' multiply-adds plus the small elementwise layers mmengine adds."""
    from mmpose.registry import MODELS
    info = get_model_info(name)
    cfg = Config.fromfile(info['config'])
    got = complexity(cfg)
    assert round(got['params_m'], 2) == info['params_M']
    assert round(got['gflops'], 3) == pytest.approx(info['GFLOPs'], abs=1e-9)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    model.forward = model._forward
    assert got['params_m'] * 1e6 == sum(p.numel() for p in model.parameters())
    macs = _conv_macs(model, got['input'])
    assert macs <= got['gflops'] * 1e9 <= 1.1 * macs
    assert list(got['heatmap'])[::-1] == list(info['heatmap_size'])
