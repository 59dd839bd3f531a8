"""tools/misc/publish_model.py: a weights-only fp16 checkpoint predicting what the original did."""
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

import popos  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(REPO, 'configs/300w/td-hm_hrnetv2-w18s_popos-1xb32-20e_300w-128x128-hm8.py')


def test_published_checkpoint_is_weights_only_and_predicts_the_same(tmp_path):
    torch.manual_seed(0)
    cfg = Config.fromfile(CFG)
    model = MODELS.build(cfg.model).eval()
    for m in model.modules():  # non-trivial BN statistics, as after training
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), ckpt)
    out = tmp_path / 'new' / 'dir'  # created when missing
    subprocess.run([sys.executable, 'tools/misc/publish_model.py', CFG, str(ckpt), 'toy',
                    '--out-dir', str(out)], cwd=REPO, check=True, timeout=300)
    tmp_path = out
    shipped = torch.load(tmp_path / 'toy.pth', weights_only=True)
    assert shipped['meta']['heatmap_size'] == [8, 8] and shipped['meta']['num_keypoints'] == 68
    assert osp.getsize(tmp_path / 'toy.pth') < 0.6 * osp.getsize(ckpt)  # fp16 halves the weights

    pub_cfg = Config.fromfile(tmp_path / 'toy.py')
    assert pub_cfg.model.backbone.init_cfg is None and pub_cfg.codec == cfg.codec
    assert pub_cfg.resume is False and 'work_dir' not in pub_cfg
    reloaded = MODELS.build(pub_cfg.model).eval()
    load_checkpoint(reloaded, str(tmp_path / 'toy.pth'), map_location='cpu', strict=True)
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        ref, got = model._forward(x), reloaded._forward(x)
    assert got.dtype == torch.float32
    assert (got - ref).abs().max() <= 2e-2 * ref.abs().max()


def test_publish_refuses_a_foreign_checkpoint_and_an_existing_name(tmp_path):
    """The config/checkpoint pair must load together; a shipped name is not replaced silently."""
    from popos.weights import get_model_info
    tiny = get_model_info('tiny')['checkpoint']
    res = subprocess.run([sys.executable, 'tools/misc/publish_model.py', CFG, tiny, 'x',
                          '--out-dir', str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode != 0 and 'do not belong together' in res.stderr, res.stderr[-2000:]
    assert not (tmp_path / 'x.pth').exists()
    (tmp_path / 'x.py').write_text('# a shipped config\n')
    res = subprocess.run([sys.executable, 'tools/misc/publish_model.py', CFG, tiny, 'x',
                          '--out-dir', str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode != 0 and 'exists' in res.stderr and '--force' in res.stderr
    assert (tmp_path / 'x.py').read_text() == '# a shipped config\n'
