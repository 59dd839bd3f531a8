"""Structured (channel) pruning of a top-down POPoS model with Torch-Pruning.

Groups of coupled channels (a conv's outputs, the BN after it, the next conv's inputs, both
sides of a residual add, a depthwise conv's groups) are ranked by their L2 weight magnitude
and removed step by step until the network's MACs reach the target ratio. The heatmap
layer's output channels (one per landmark) are never pruned.
"""
import copy
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..pose_estimators.pruned_topdown import channel_spec


class _Network(nn.Module):
    """Image -> heatmaps, the graph Torch-Pruning traces (no data samples, no decoding)."""

    def __init__(self, pose_model: nn.Module) -> None:
        super().__init__()
        self.pose_model = pose_model

    def forward(self, inputs: Tensor) -> Tensor:
        return self.pose_model.head.forward(self.pose_model.extract_feat(inputs))


def _require_torch_pruning():
    try:
        import torch_pruning as tp
    except ImportError as err:
        raise ImportError("pruning needs Torch-Pruning: pip install 'popos[embedded]' (or pip "
                          'install -c .venv/popos-constraints.txt -r requirements/embedded.txt)'
                          ) from err
    return tp


def count_macs(pose_model: nn.Module, input_hw: Tuple[int, int]) -> Tuple[float, float]:
    """(MACs, params) of one forward at ``input_hw``, as Torch-Pruning counts them."""
    tp = _require_torch_pruning()
    example = torch.zeros(1, 3, *input_hw)
    with torch.no_grad():
        macs, params = tp.utils.count_ops_and_params(_Network(pose_model).eval(), example)
    return float(macs), float(params)


def prune_to_flops(pose_model: nn.Module, input_hw: Tuple[int, int], target_ratio: float,
                   steps: int = 50, max_channel_ratio: float = 0.9,
                   round_to: Optional[int] = None) -> Dict[str, float]:
    """Prune ``pose_model`` in place until its MACs are <= ``target_ratio`` x the original.

    Args:
        steps: iterative steps over ``[0, max_channel_ratio]`` channel sparsity; the loop stops
            at the first step that meets the target (overshoot at most one step).
        max_channel_ratio: upper bound of the per-layer channel sparsity.
        round_to: keep channel numbers multiples of this (SIMD-friendly), or ``None``.

    Returns:
        ``dict(macs_before, macs_after, params_before, params_after, ratio, steps)``.
    """
    if not 0 < target_ratio < 1:
        raise ValueError(f'target FLOPs ratio must be in (0, 1), got {target_ratio}')
    head = getattr(pose_model, 'head', None)
    final = getattr(head, 'final_layer', None)
    if not isinstance(final, nn.Conv2d):
        raise TypeError('prune_to_flops needs a heatmap head with a Conv2d `final_layer` '
                        f'(one output channel per landmark), got {type(final).__name__}')
    tp = _require_torch_pruning()
    was_training = pose_model.training
    net = _Network(pose_model).eval()
    example = torch.zeros(1, 3, *input_hw)
    macs0, params0 = count_macs(pose_model, input_hw)
    pruner = tp.pruner.MetaPruner(
        net, example, importance=tp.importance.GroupMagnitudeImportance(p=2),
        pruning_ratio=max_channel_ratio, iterative_steps=steps,
        ignored_layers=[final], round_to=round_to)
    macs, taken = macs0, 0
    for taken in range(1, steps + 1):
        pruner.step()
        macs, _ = count_macs(pose_model, input_hw)
        if macs <= target_ratio * macs0:
            break
    else:
        raise RuntimeError(f'could not reach {target_ratio:.2f} of the FLOPs within '
                           f'max_channel_ratio={max_channel_ratio} (got {macs / macs0:.2f})')
    pose_model.train(was_training)
    if final.out_channels != head.out_channels:
        raise RuntimeError('the heatmap layer lost output channels: landmark count changed')
    _, params = count_macs(pose_model, input_hw)
    return dict(macs_before=macs0, macs_after=macs, params_before=params0, params_after=params,
                ratio=macs / macs0, steps=taken)


def pruned_model_config(cfg: Config, pose_model: nn.Module) -> Config:
    """A copy of ``cfg`` whose model rebuilds ``pose_model``'s pruned architecture."""
    model_cfg = copy.deepcopy(cfg.model)
    if model_cfg.get('type') not in ('TopdownPoseEstimator', 'PrunedTopdownPoseEstimator'):
        raise ValueError(f'pruning supports TopdownPoseEstimator models, got {model_cfg.type!r}'
                         ' (prune the distilled student through its plain student config)')
    base_cfg = copy.deepcopy(model_cfg)
    base_cfg.pop('channel_spec', None)
    base_cfg.type = 'TopdownPoseEstimator'
    reference = MODELS.build(base_cfg)
    spec = channel_spec(pose_model, reference)
    out = cfg.copy()
    # a list of [name, channels] pairs: module names contain dots, which config keys must not
    out.model = ConfigDict(dict(base_cfg, type='PrunedTopdownPoseEstimator',
                                channel_spec=[[k, list(v)] for k, v in spec.items()]))
    imports = list(out.get('custom_imports', {}).get('imports', ['popos']))
    if 'popos' not in imports:
        imports.append('popos')
    out.custom_imports = dict(imports=imports, allow_failed_imports=False)
    return out


def input_hw(cfg: Config, input_shape: Optional[Sequence[int]] = None) -> Tuple[int, int]:
    """(H, W) of the model input: ``input_shape`` or the codec's ``input_size`` (W, H)."""
    if input_shape:
        return int(input_shape[0]), int(input_shape[1])
    codec = cfg.get('codec') or cfg.model.head.decoder
    w, h = codec['input_size']
    return int(h), int(w)
