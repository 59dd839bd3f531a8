"""What popos' tools add to mmpose's: resolution switch, CPU dist, decoder settings."""
import argparse
import os.path as osp
import re
from typing import Optional, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from .resolution import set_heatmap_size


def apply_common_args(cfg: Config, cfg_options: Optional[dict], heatmap_size: Optional[int],
                      config_path: Optional[str] = None,
                      work_dir: Optional[str] = None) -> Config:
    """Apply ``--cfg-options`` then ``--heatmap-size``; use gloo where NCCL cannot run; with
    ``config_path``, set the work dir (:func:`set_work_dir`, ``work_dir`` = ``--work-dir``)."""
    from .checkpoint import codec_heatmap_size
    config_heatmap = codec_heatmap_size(cfg)  # before --heatmap-size changes it
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if heatmap_size is not None:
        set_heatmap_size(cfg, heatmap_size)
        print_log(f'heatmap size set to {heatmap_size} (codec, decoder, targets, network)',
                  logger='current')
    if cfg.get('launcher', 'none') == 'pytorch' and not torch.cuda.is_available():
        # Why not mmengine's own path: with launcher='pytorch', mmengine 0.10's
        # ``Runner.setup_env`` calls ``init_dist``, whose ``_init_dist_pytorch`` always runs
        # ``torch.cuda.set_device(LOCAL_RANK)`` (fails without CUDA), and ``Runner.wrap_model``
        # always passes ``device_ids=[LOCAL_RANK]`` to DDP (CPU DDP needs None). So on a CPU-only
        # machine popos (a) initialises the gloo group itself - mmengine then skips init_dist, as
        # it does for any already-initialised group - and (b) sets ``model_wrapper_cfg`` with
        # ``device_ids=None``, mmengine's documented hook for the DDP wrapper. Nothing is patched;
        # with CUDA, mmengine's defaults (NCCL) are used unchanged.
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False))
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend='gloo')
        print_log('no CUDA device: distributed backend switched from nccl to gloo',
                  logger='current')
    if config_path is not None:
        set_work_dir(cfg, config_path, work_dir, config_heatmap)
    return cfg


def set_work_dir(cfg: Config, config_path: str, work_dir: Optional[str],
                 config_heatmap: Optional[Tuple[int, int]]) -> Config:
    """``--work-dir``, else the config's own ``work_dir``, else ``work_dirs/<config name>``.

    When ``--heatmap-size`` trained another size than the config names (``config_heatmap``:
    the config's ``(W, H)`` before the flag), the name's ``-hm...`` suffix is replaced by the
    size in use, e.g. ``...-hm8.py --heatmap-size 16`` -> ``work_dirs/...-hm16``: a run at
    another size would otherwise share the directory, and ``--resume`` would continue
    the other size's checkpoint.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        from .checkpoint import codec_heatmap_size
        name = osp.splitext(osp.basename(config_path))[0]
        size = codec_heatmap_size(cfg)  # None without a heatmap codec (e.g. SimCC)
        plain = osp.join('./work_dirs', name)
        if None not in (size, config_heatmap) and tuple(size) != tuple(config_heatmap):
            w, h = size
            name = re.sub(r'-hm\d+(x\d+)?$', '', name) + (f'-hm{h}' if w == h else f'-hm{w}x{h}')
            if osp.isdir(plain):
                print_log(f'work dir work_dirs/{name} (named after the heatmap size); '
                          f'{plain} holds runs at the config\'s own size or from a popos that '
                          f'did not name the size: --work-dir {plain} continues those',
                          logger='current')
        cfg.work_dir = osp.join('./work_dirs', name)
    return cfg


def add_decoder_argument(parser: argparse.ArgumentParser, flag: str = '--decoder',
                         note: str = '') -> None:
    """Add ``flag KEY=VALUE ...``: POPoS decoder settings (``popos.codecs.DECODER_SETTINGS``)
    parsed by mmengine's DictAction, as ``--cfg-options`` are (numbers, None and bools typed,
    quotes stripped)."""
    parser.add_argument(flag, nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='POPoS decoder settings over the model\'s, e.g. '
                             'anchor_mask=monotone robust_iters=0' + note)
