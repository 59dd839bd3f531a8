"""Change the heatmap resolution of a config everywhere it lives, consistently.

A top-down heatmap config holds the resolution in several places - the top-level
``codec``, the head's ``decoder``, every ``GenerateTarget`` encoder in the pipelines, the
backbone's output stride and the head's input channels. ``--cfg-options`` can only
change one of them; :func:`set_heatmap_size` changes all of them.
"""
from typing import Any, Iterator, Tuple

from mmengine.config import Config, ConfigDict

HEATMAP_CODECS = ('POPoSHeatmap', 'MSRAHeatmap', 'UDPHeatmap', 'MegviiHeatmap')
# LowResHRNet and its former registry name
HRNET_TYPES = ('LowResHRNet', 'POPoSHRNet')


def _walk(node: Any) -> Iterator[dict]:
    """Yield every dict nested anywhere in a config tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def config_heatmap_size(cfg: Config) -> Tuple[int, int]:
    """The ``(W, H)`` heatmap size of a config, from its top-level codec (the last of a list)
    or head decoder."""
    codec = cfg.get('codec') or cfg.model.head.get('decoder')
    if isinstance(codec, (list, tuple)):
        codec = codec[-1] if codec else None
    if not codec or 'heatmap_size' not in codec:
        raise ValueError('config has no heatmap codec (top-level `codec` or model.head.decoder)')
    return tuple(int(v) for v in codec['heatmap_size'])


def set_heatmap_size(cfg: Config, size: int) -> Config:
    """Set the heatmap side (for the config's input size) in codec, decoder, targets, network.

    ``size`` is the heatmap height; the width follows the input aspect ratio. Supported
    networks: ``LowResHRNet`` (its stride is set and the head's channels follow the
    stages kept) and any backbone whose config provides ``heatmap_variants[size]`` (a
    dict merged into the config, e.g. head ``downsample_out_channels`` for MobileNet).
    """
    from ..models.backbones.lowres_hrnet import LOW_RES_PLAN, hrnet_out_channels
    size = int(size)
    if size <= 0:
        raise ValueError(f'heatmap size must be a positive number of pixels, got {size}')
    codec = cfg.get('codec') or cfg.model.head.get('decoder')
    if not codec:
        raise ValueError('config has no heatmap codec to resize')
    in_w, in_h = (int(v) for v in codec['input_size'])
    if in_h % size:
        raise ValueError(f'heatmap height {size} does not divide the input height {in_h} '
                         f'(input {in_w}x{in_h})')
    if in_w * size % in_h:
        raise ValueError(f'heatmap height {size} gives a stride of {in_h // size} px, which does '
                         f'not divide the input width {in_w} (input {in_w}x{in_h})')
    stride = in_h // size
    new_hw = (in_w // stride, size)

    for node in _walk(cfg._cfg_dict if isinstance(cfg, Config) else cfg):
        if node.get('type') in HEATMAP_CODECS and 'heatmap_size' in node:
            node['heatmap_size'] = new_hw
    head = cfg.model.head
    if head.get('heatmap_size') is not None:
        head['heatmap_size'] = new_hw
    if 'heatmap_size' in cfg:
        cfg['heatmap_size'] = size

    variants = cfg.get('heatmap_variants') or {}
    backbone = cfg.model.backbone
    if size in variants or str(size) in variants:
        cfg.merge_from_dict(ConfigDict(variants.get(size, variants.get(str(size)))).to_dict())
    elif backbone.get('type') in HRNET_TYPES and head.get('downsample_out_channels'):
        raise ValueError(
            'cannot change the resolution of a LowResHRNet whose head downsamples '
            '(downsample_out_channels) automatically: the head, not the backbone, sets the '
            'heatmap size; add '
            '`heatmap_variants = {size: dict(model=...)}` to the config or use a config made '
            'for that size')
    elif backbone.get('type') in HRNET_TYPES:
        if stride not in LOW_RES_PLAN:
            raise ValueError(f'LowResHRNet supports output strides {sorted(LOW_RES_PLAN)}; '
                             f'heatmap {size} from input {in_h} needs stride {stride}')
        old_ch = head.get('in_channels')
        backbone['heatmap_size'] = size
        backbone['input_size'] = in_h
        backbone.pop('num_stages', None)
        new_ch = hrnet_out_channels(backbone['extra'], LOW_RES_PLAN[stride][3])
        head['in_channels'] = new_ch
        convs = head.get('conv_out_channels')
        if convs and old_ch is not None:
            head['conv_out_channels'] = tuple(new_ch if c == old_ch else c for c in convs)
    else:
        raise ValueError(
            f"cannot change the resolution of a {backbone.get('type')} backbone automatically: "
            'add `heatmap_variants = {size: dict(model=...)}` to the config (see the '
            'lightweight configs) or use a config made for that size')
    return cfg
