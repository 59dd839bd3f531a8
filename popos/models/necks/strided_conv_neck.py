"""FeatureMapProcessor followed by stride-2 convolutions down to the heatmap size."""
from typing import Optional, Sequence, Tuple, Union

from mmcv.cnn import ConvModule
from mmpose.models.necks import FeatureMapProcessor
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class StridedConvNeck(FeatureMapProcessor):
    """mmpose's ``FeatureMapProcessor`` (select / concat / rescale), then stride-2 convs.

    Keeps a full-resolution backbone (e.g. HRNet at stride 4) and brings its features
    to a smaller heatmap with learned 3x3 stride-2 conv-BN-ReLU blocks (each halves H and
    W), instead of a lower-stride network: the heatmap is small, the network is not.

    Args:
        in_channels: channels of the processed feature map (after concatenation).
        num_convs: stride-2 blocks (2: stride 4 -> 16, i.e. 32x32 -> 8x8 at 128 input).
        out_channels: channels of every block; default ``in_channels``.
        norm_cfg: normalisation of the blocks.
        **kwargs: ``FeatureMapProcessor`` arguments (``select_index``, ``concat``,
            ``scale_factor``, ``apply_relu``, ``align_corners``).

    Input: a tuple of feature maps (as backbones return). Output: a 1-tuple ``(B, C', H', W')``.
    """

    def __init__(self, in_channels: int, num_convs: int, out_channels: Optional[int] = None,
                 norm_cfg: dict = dict(type='BN'), **kwargs) -> None:
        super().__init__(**kwargs)
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        out_channels = out_channels or in_channels
        layers = []
        for i in range(num_convs):
            layers.append(ConvModule(in_channels if i == 0 else out_channels, out_channels, 3,
                                     stride=2, padding=1, norm_cfg=norm_cfg))
        self.downsample = nn.Sequential(*layers)

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor]:
        """Features -> ``FeatureMapProcessor`` -> one map ``2**num_convs`` times smaller."""
        feats = super().forward(inputs)
        if len(feats) != 1 and len(self.downsample):
            raise ValueError(f'StridedConvNeck downsamples one map, got {len(feats)}: '
                             'set concat=True or select_index to a single index')
        return tuple(self.downsample(f) for f in feats)
