"""Channel spec round trip and tools/prune.py end to end on a tiny model and tiny data."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.models.pose_estimators import apply_channel_spec, channel_spec

from .helpers import tiny_student

CONFIG = 'configs/embedded/td-hm_mobilenetv2-0.35_popos-1xb64-30e_synthetic-wflw-64x64-hm4.py'


def test_channel_spec_round_trip_and_errors():
    model = MODELS.build(tiny_student())
    spec = channel_spec(model)
    conv = 'head.conv_layers.0'  # HeatmapHead: Conv2d, BatchNorm2d, ReLU
    assert spec[conv][:2] == [24, 32]
    spec = {conv: [24, 16, 1], 'head.conv_layers.1': [16], 'head.final_layer': [16, 98, 1]}
    apply_channel_spec(model, spec)
    assert model.head.conv_layers[0].out_channels == 16
    assert channel_spec(model, MODELS.build(tiny_student())) == spec
    out = model.head.forward(model.extract_feat(torch.zeros(1, 3, 64, 64)))
    assert out.shape == (1, 98, 4, 4)
    with pytest.raises(KeyError, match='does not have'):
        apply_channel_spec(model, {'head.nope': [1]})
    with pytest.raises(TypeError, match='not a conv'):
        apply_channel_spec(model, {'head': [1]})


def test_prune_tool_halves_flops_and_artefacts_rebuild(tiny_wflw, tmp_path, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'trained.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    work = str(tmp_path / 'pruned')
    data = tiny_wflw + '/'
    cmd = [sys.executable, osp.join(repo_root, 'tools/prune.py'), osp.join(repo_root, CONFIG),
           ckpt, '--target-flops-ratio', '0.5', '--work-dir', work, '--finetune-epochs', '1',
           '--cfg-options', f'train_dataloader.dataset.data_root={data}',
           f'val_dataloader.dataset.data_root={data}', f'test_dataloader.dataset.data_root={data}',
           'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
           'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
           'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
           'test_dataloader.persistent_workers=False']
    res = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(osp.join(work, 'prune.json')) as f:
        info = json.load(f)
    assert 0.35 < info['ratio'] <= 0.5
    before, after = info['mmengine_before']['gflops'], info['mmengine_after']['gflops']
    assert after < 0.6 * before, (before, after)
    assert info['params_after'] < info['params_before']

    pruned_cfg = Config.fromfile(osp.join(work, 'pruned_config.py'))
    assert pruned_cfg.model.type == 'PrunedTopdownPoseEstimator'
    for name in ('pruned.pth', 'epoch_1.pth'):
        rebuilt = MODELS.build(pruned_cfg.model).eval()
        load_checkpoint(rebuilt, osp.join(work, name), map_location='cpu', strict=True)
        with torch.no_grad():
            out = rebuilt.head.forward(rebuilt.extract_feat(torch.zeros(1, 3, 64, 64)))
        assert out.shape == (1, 98, 4, 4)  # landmarks and resolution unchanged
    assert rebuilt.head.final_layer.out_channels == 98
    assert rebuilt.head.final_layer.in_channels < model.head.final_layer.in_channels
