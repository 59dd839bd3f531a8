"""ONNX export through mmdeploy's ``torch2onnx`` (TorchScript exporter, mmdeploy rewriters)."""
import contextlib
import functools
import inspect
import os.path as osp
from typing import Iterator, Optional, Union

import torch
from mmengine import Config

from .config import load_deploy_config, mmdeploy_view
from .modules import export_module


@contextlib.contextmanager
def onnx_export_without_dynamo() -> Iterator[None]:
    """Make ``torch.onnx.export`` default to ``dynamo=False`` (the default flipped in torch 2.9).

    mmdeploy calls ``torch.onnx.export`` without the argument; the dynamo exporter needs
    onnxscript and bypasses mmdeploy's function rewriters, so the TorchScript path is forced.
    """
    original = torch.onnx.export
    if 'dynamo' not in inspect.signature(original).parameters:
        yield
        return

    @functools.wraps(original)
    def export(*args, **kwargs):
        kwargs.setdefault('dynamo', False)
        return original(*args, **kwargs)

    torch.onnx.export = export
    try:
        yield
    finally:
        torch.onnx.export = original


def load_model_config(model_cfg: Union[str, Config]) -> Config:
    """Load a model config and drop pretrained-weight downloads (the checkpoint is loaded)."""
    cfg = Config.fromfile(model_cfg) if isinstance(model_cfg, str) else model_cfg.copy()
    if cfg.model.get('backbone', {}).get('init_cfg') is not None:
        cfg.model.backbone.init_cfg = None
    if 'codec' not in cfg:
        raise ValueError('model config has no top-level `codec`: mmdeploy decodes with it')
    return cfg


def export_onnx(deploy_cfg: Union[str, Config], model_cfg: Union[str, Config],
                checkpoint: Optional[str], img, work_dir: str, device: str = 'cpu',
                save_file: Optional[str] = None) -> str:
    """Run mmdeploy's ``torch2onnx`` and return the path of the .onnx file."""
    from mmdeploy.apis import torch2onnx

    from ..utils import safe_loading
    from . import rewriters  # noqa: F401  (registers the decode-in-graph rewriter)
    cfg = mmdeploy_view(load_deploy_config(deploy_cfg))
    model_cfg = load_model_config(model_cfg)
    save_file = save_file or cfg.onnx_config.get('save_file', 'end2end.onnx')
    if checkpoint:  # mmdeploy loads non-strictly: refuse another model's checkpoint first
        build_torch_model(model_cfg, checkpoint)
    with onnx_export_without_dynamo(), safe_loading():
        torch2onnx(img, work_dir, save_file, deploy_cfg=cfg, model_cfg=model_cfg,
                   model_checkpoint=checkpoint, device=device)
    path = osp.join(work_dir, save_file)
    if not osp.isfile(path):
        raise RuntimeError(f'mmdeploy torch2onnx did not write {path}')
    return path


def build_torch_model(model_cfg: Union[str, Config], checkpoint: Optional[str],
                      device: str = 'cpu') -> torch.nn.Module:
    """The PyTorch pose model (eval mode) as mmdeploy builds it, checkpoint loaded safely."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules

    from ..utils.checkpoint import load_checked_checkpoint

    register_all_modules(init_default_scope=True)
    model_cfg = load_model_config(model_cfg)
    model = MODELS.build(model_cfg.model)
    if checkpoint:
        # another model's checkpoint would load with warnings and export random weights
        load_checked_checkpoint(model, checkpoint, model_cfg)
    return model.to(device).eval()


def torch_export_module(model_cfg: Union[str, Config], checkpoint: Optional[str],
                        decode: bool) -> torch.nn.Module:
    """The CPU module converted to TFLite / benchmarked: heatmaps or decoded keypoints out."""
    return export_module(build_torch_model(model_cfg, checkpoint, 'cpu'), decode)
