"""What popos' tools/train.py and tools/test.py add to mmpose's: resolution switch, CPU dist."""
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from .resolution import set_heatmap_size


def apply_common_args(cfg: Config, cfg_options: Optional[dict],
                      heatmap_size: Optional[int]) -> Config:
    """Apply ``--cfg-options`` then ``--heatmap-size``; use gloo where NCCL cannot run."""
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if heatmap_size is not None:
        set_heatmap_size(cfg, heatmap_size)
        print_log(f'heatmap size set to {heatmap_size} (codec, decoder, targets, network)',
                  logger='current')
    if cfg.get('launcher', 'none') == 'pytorch' and not torch.cuda.is_available():
        # NCCL needs GPUs and mmengine's init_dist calls torch.cuda.set_device; a gloo
        # group started here (mmengine then skips its own init) lets the same scripts
        # run - and be tested - on CPU.
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        if cfg.get('model_wrapper_cfg') is None:
            # CPU DDP takes no device_ids (mmengine's default passes the local rank).
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False))
        if not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend='gloo')
        print_log('no CUDA device: distributed backend switched from nccl to gloo',
                  logger='current')
    return cfg
