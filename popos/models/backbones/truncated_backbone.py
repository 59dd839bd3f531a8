"""A wrapper that cuts an mmpose backbone after its last requested output."""
from typing import Tuple

from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor, nn


@MODELS.register_module()
class TruncatedBackbone(BaseBackbone):
    """Build an mmpose backbone and delete the layers after its last ``out_indices`` entry.

    mmpose's MobileNetV2/V3 and ShuffleNetV2 run every layer even when only a stride-16
    output is used, so a "cut at layer 5" model still pays for (and stores) the stride-32
    layers. Here those layers are removed: parameters, FLOPs and exported graphs shrink.

    Args:
        backbone: config of a backbone whose ``forward`` iterates ``self.layers`` (layer
            names or an ``nn.ModuleList``) and collects ``self.out_indices``.
    """

    def __init__(self, backbone: ConfigType, init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg)
        self.body = MODELS.build(backbone)
        layers = getattr(self.body, 'layers', None)
        out_indices = getattr(self.body, 'out_indices', None)
        if layers is None or out_indices is None:
            raise TypeError(f'{type(self.body).__name__} has no `layers`/`out_indices`: '
                            'TruncatedBackbone cannot cut it')
        n = len(layers)
        if any(not -n <= i < n for i in out_indices):
            raise ValueError(f'out_indices {out_indices} out of range for {n} layers')
        # Negative indices are relative to the full depth; make them absolute first.
        absolute = sorted({i % n for i in out_indices})
        keep = absolute[-1] + 1
        if isinstance(layers, nn.ModuleList):
            self.body.layers = layers[:keep]
        else:
            for name in layers[keep:]:
                delattr(self.body, name)
            self.body.layers = list(layers[:keep])
        self.body.out_indices = tuple(absolute)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Outputs at ``out_indices`` of the wrapped backbone."""
        return self.body(x)

    def train(self, mode: bool = True) -> 'TruncatedBackbone':
        """Delegate to the wrapped backbone (frozen stages, norm_eval)."""
        super().train(mode)
        self.body.train(mode)
        return self


# The name the embedded configs used before the move out of popos.embedded.
MODELS.register_module(name='POPoSTruncatedBackbone', module=TruncatedBackbone)
POPoSTruncatedBackbone = TruncatedBackbone
