"""Channel-pruned pose estimators that rebuild from a config (no pickled modules).

A pruned network is described by its *channel spec*: for every convolution, linear and
norm layer whose shape differs from the unpruned build, the new channel numbers. The spec
is plain data, so it is written into the model config; ``MODELS.build`` builds the original
architecture and then resizes those layers, and a normal state-dict checkpoint loads into it
(safely, ``weights_only=True``).
"""
from typing import Dict, List, Sequence, Union

from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from torch import nn

_CONVS = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm, nn.GroupNorm, nn.LayerNorm)


def _shape(module: nn.Module) -> List[int]:
    if isinstance(module, _CONVS):
        return [module.in_channels, module.out_channels, module.groups]
    if isinstance(module, nn.Linear):
        return [module.in_features, module.out_features]
    if isinstance(module, nn.GroupNorm):
        return [module.num_channels, module.num_groups]
    if isinstance(module, nn.LayerNorm):
        return [int(module.normalized_shape[0])]
    return [module.num_features]


def channel_spec(model: nn.Module, reference: nn.Module = None) -> Dict[str, List[int]]:
    """``{module name: channel numbers}`` of every layer that differs from ``reference``.

    Without ``reference`` every conv / linear / norm layer is listed.
    """
    ref = dict(reference.named_modules()) if reference is not None else {}
    spec = {}
    for name, module in model.named_modules():
        if not isinstance(module, _CONVS + _NORMS + (nn.Linear, )):
            continue
        shape = _shape(module)
        if name not in ref or _shape(ref[name]) != shape:
            spec[name] = shape
    return spec


def _resized(module: nn.Module, shape: List[int]) -> nn.Module:
    """A fresh module like ``module`` with new channel numbers (weights are loaded later)."""
    if isinstance(module, _CONVS):
        cin, cout, groups = shape
        kw = dict(kernel_size=module.kernel_size, stride=module.stride, padding=module.padding,
                  dilation=module.dilation, groups=groups, bias=module.bias is not None,
                  padding_mode=module.padding_mode)
        if isinstance(module, nn.ConvTranspose2d):
            kw['output_padding'] = module.output_padding
        return type(module)(cin, cout, **kw)
    if isinstance(module, nn.Linear):
        return nn.Linear(shape[0], shape[1], bias=module.bias is not None)
    if isinstance(module, nn.GroupNorm):
        return nn.GroupNorm(shape[1], shape[0], module.eps, module.affine)
    if isinstance(module, nn.LayerNorm):
        return nn.LayerNorm(shape[0], module.eps, module.elementwise_affine)
    new = type(module)(shape[0], module.eps, module.momentum, module.affine,
                       module.track_running_stats)
    return new


def apply_channel_spec(model: nn.Module, spec: Dict[str, List[int]]) -> nn.Module:
    """Resize the layers named in ``spec`` in place; unknown names are an error."""
    modules = dict(model.named_modules())
    for name, shape in spec.items():
        if name not in modules:
            raise KeyError(f'channel spec names {name!r}, which this model does not have: '
                           'the spec belongs to another architecture')
        module = modules[name]
        if not isinstance(module, _CONVS + _NORMS + (nn.Linear, )):
            raise TypeError(f'{name!r} is a {type(module).__name__}, not a conv/linear/norm')
        parent_name, _, attr = name.rpartition('.')
        parent = modules[parent_name] if parent_name else model
        setattr(parent, attr, _resized(module, [int(v) for v in shape]))
    return model


@MODELS.register_module()
class PrunedTopdownPoseEstimator(TopdownPoseEstimator):
    """A TopdownPoseEstimator whose layers are resized by a channel spec after building.

    Args:
        channel_spec: ``{module name: channel numbers}`` or ``[[name, channels], ...]`` (as
            written by ``tools/prune.py``).
        **kwargs: the unpruned ``TopdownPoseEstimator`` config.
    """

    def __init__(self, channel_spec: Union[Dict[str, List[int]], Sequence[Sequence]],
                 **kwargs) -> None:
        super().__init__(**kwargs)
        # tools/prune.py writes [name, channels] pairs (module names hold dots)
        spec = dict(channel_spec) if isinstance(channel_spec, dict) else {
            str(name): list(shape) for name, shape in channel_spec}
        apply_channel_spec(self, spec)
