"""Every model config builds at its resolution; --heatmap-size changes all copies together."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.utils import config_heatmap_size, set_heatmap_size

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CONFIGS = sorted(
    f for f in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in f and osp.sep + 'deploy' + osp.sep not in f)
WFLW = osp.join(ROOT, 'configs', 'wflw_hrnet_popos.py')
MBV2 = osp.join(ROOT, 'configs', 'wflw', 'td-hm_mobilenetv2_popos-4xb64-60e_wflw-256x256-hm8.py')


def build_offline(cfg: Config):
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model).eval()


def encoders(cfg: Config):
    dataset = cfg.train_dataloader.dataset
    while 'pipeline' not in dataset:  # a wrapper (RepeatDataset) holds the real one
        dataset = dataset.dataset
    return [t['encoder'] for t in dataset.pipeline if t['type'] == 'GenerateTarget']


def unscoped(codec: dict) -> dict:
    """A codec without the ``_scope_`` mmengine adds to dicts inherited via ``mmpose::``."""
    return {k: v for k, v in codec.items() if k != '_scope_'}


NUM_KEYPOINTS = dict(wflw=98, synthetic=98, embedded=98, deploy=98, **{'300w': 68},
                     cofw=29, aflw=19, coco_wholebody_face=68, coco=17,
                     coco_wholebody_hand=21)


def family(path: str) -> str:
    """Dataset of a config: its folder, or the ``<dataset>_hrnet_popos.py`` entry name."""
    folder = osp.basename(osp.dirname(path))
    return osp.basename(path)[:-len('_hrnet_popos.py')] if folder == 'configs' else folder


# Building an HRNet at 256x256 costs ~1 s on CPU: build one config per family, parse the rest.
# Distillation configs need a trained teacher checkpoint; tests/embedded builds them.
BUILD = [p for p in MODEL_CONFIGS if ('-hm8' in osp.basename(p) or osp.basename(osp.dirname(p))
                                      in ('synthetic', 'embedded')) and '-kd-' not in p
         ] + [WFLW, osp.join(ROOT, 'configs', 'cofw_hrnet_popos.py')]


@pytest.mark.parametrize('path', MODEL_CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_every_config_keeps_its_codec_copies_consistent(path):
    cfg = Config.fromfile(path)
    assert 'popos' in cfg.custom_imports['imports']
    codec = unscoped(cfg.codec)
    assert unscoped(cfg.model.head.decoder) == codec
    assert encoders(cfg) and all(unscoped(e) == codec for e in encoders(cfg))
    assert cfg.test_dataloader.dataset.pipeline and cfg.val_dataloader.dataset.pipeline


@pytest.mark.parametrize('path', BUILD, ids=lambda p: osp.relpath(p, ROOT))
def test_model_config_builds_at_its_resolution(path):
    cfg = Config.fromfile(path)
    w, h = config_heatmap_size(cfg)
    in_w, in_h = cfg.codec.input_size
    with torch.no_grad():
        out = build_offline(cfg)._forward(torch.zeros(1, 3, in_h, in_w))
    assert tuple(out.shape[1:]) == (NUM_KEYPOINTS[family(path)], h, w)


# HRNetV2-W18 at 256x256: the head's input channels once the backbone drops stages for the size
HEAD_CHANNELS = {64: 270, 32: 270, 16: 270, 8: 126, 4: 54}


@pytest.mark.parametrize('size', [32, 16, 8, 4])
def test_switch_changes_every_codec_copy_and_the_network(size):
    switched = set_heatmap_size(Config.fromfile(WFLW), size)
    want = dict(type='POPoSHeatmap', input_size=(256, 256), heatmap_size=(size, size), sigma=2.0,
                decode_mode='popos')
    assert switched.codec == want and switched.model.head.decoder == want
    assert all(e == want for e in encoders(switched))
    assert switched.model.backbone.heatmap_size == size
    assert switched.model.head.in_channels == HEAD_CHANNELS[size]
    assert tuple(switched.model.head.conv_out_channels) == (HEAD_CHANNELS[size], )
    assert switched.heatmap_size == size


@pytest.mark.parametrize('size', [64, 4])
def test_switch_uses_heatmap_variants_for_other_backbones(size):
    cfg = set_heatmap_size(Config.fromfile(MBV2), size)
    with torch.no_grad():
        out = build_offline(cfg)._forward(torch.zeros(1, 3, 256, 256))
    assert tuple(out.shape[-2:]) == (size, size)
    assert all(e['heatmap_size'] == (size, size) for e in encoders(cfg))


def test_switch_refuses_what_it_cannot_do():
    cfg = Config.fromfile(WFLW)
    with pytest.raises(ValueError, match='does not divide'):
        set_heatmap_size(cfg, 48)
    with pytest.raises(ValueError, match='positive'):
        set_heatmap_size(Config.fromfile(WFLW), 0)
    with pytest.raises(ValueError, match='strides'):
        set_heatmap_size(Config.fromfile(WFLW), 2)
    cfg = Config.fromfile(MBV2)
    cfg.heatmap_variants = {}
    with pytest.raises(ValueError, match='heatmap_variants'):
        set_heatmap_size(cfg, 16)


def test_work_dir_names_the_heatmap_size_in_use():
    from popos.utils.checkpoint import codec_heatmap_size
    from popos.utils.launch import set_work_dir
    hm8 = osp.join(ROOT, 'configs', 'synthetic',
                   'td-hm_hrnetv2-w18s_popos-1xb32-24e_synthetic-wflw-128x128-hm8.py')

    def work_dir(path, size=None, flag=None):
        cfg = Config.fromfile(path)
        own = codec_heatmap_size(cfg)
        if size is not None:
            set_heatmap_size(cfg, size)
        return set_work_dir(cfg, path, flag, own).work_dir

    name = osp.splitext(osp.basename(hm8))[0]
    assert work_dir(hm8) == work_dir(hm8, 8) == osp.join('./work_dirs', name)
    # another size: the -hm suffix says which (a run at 16x16 never resumes the 8x8 one)
    assert work_dir(hm8, 16) == osp.join('./work_dirs', name[:-len('-hm8')] + '-hm16')
    # a short entry point without a suffix gets one; its own size (64) keeps the plain name
    assert work_dir(WFLW, 8) == './work_dirs/wflw_hrnet_popos-hm8'
    assert work_dir(WFLW, 64) == './work_dirs/wflw_hrnet_popos'
    assert work_dir(hm8, 16, 'runs/mine') == 'runs/mine'          # --work-dir wins
    cfg = Config.fromfile(hm8)
    cfg.work_dir = 'runs/cfg'                                      # so does the config's own
    assert set_work_dir(cfg, hm8, None, (8, 8)).work_dir == 'runs/cfg'
    # a non-square map names width x height
    coco = osp.join(ROOT, 'configs', 'coco', 'td-hm_res50_popos-8xb64-210e_coco-256x192-hm12x16.py')
    assert work_dir(coco, 8).endswith('_coco-256x192-hm6x8')
