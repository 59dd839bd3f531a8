"""POPoSHead: mmpose's HeatmapHead with batched POPoS decoding and low-resolution options."""
from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.structures import PixelData
from mmpose.models.heads import HeatmapHead
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.utils.tensor_utils import to_numpy
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, Features, OptConfigType, OptSampleList, Predictions
from torch import Tensor, nn

from ...utils.checkpoint import HeatmapSizeMismatchError
from ..utils.flip import flip_heatmaps_exact


@MODELS.register_module()
class POPoSHead(HeatmapHead):
    """Top-down heatmap head decoded by POPoS, at any heatmap size (64x64 down to 4x4).

    Same config surface as :class:`mmpose.models.heads.HeatmapHead`, plus:

    Args:
        downsample_out_channels: channels of stride-2 3x3 conv blocks applied to the last
            backbone feature before the (de)conv layers - the cheap head-side way to get
            8x8 or 4x4 maps from any backbone (e.g. MobileNetV2 at 256 input gives 8x8
            features; one block more gives 4x4).
        heatmap_size: ``(W, H)`` the head must produce; default: the decoder's. Stored in
            the state dict so a checkpoint of another size is refused when loaded.
        flip_shift: ``'exact'`` aligns flipped heatmaps by the exact sub-pixel offset
            ``1 - W / w_in`` (see :func:`popos.models.utils.flip_shift`); ``'mmpose'``
            uses mmpose's one-pixel shift; ``'none'`` does not shift.

    ``forward`` returns one heatmap tensor (B, K, H, W), so mmdeploy exports it unchanged;
    ``predict`` decodes the whole batch at once through the codec's tensor decoder.
    """

    _FLIP_SHIFTS = ('exact', 'mmpose', 'none')

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 deconv_out_channels: Optional[Sequence[int]] = (256, 256, 256),
                 deconv_kernel_sizes: Optional[Sequence[int]] = (4, 4, 4),
                 conv_out_channels: Optional[Sequence[int]] = None,
                 conv_kernel_sizes: Optional[Sequence[int]] = None,
                 final_layer: dict = dict(kernel_size=1),
                 loss: ConfigType = dict(type='KeypointMSELoss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 downsample_out_channels: Optional[Sequence[int]] = None,
                 heatmap_size: Optional[Tuple[int, int]] = None,
                 flip_shift: str = 'exact',
                 init_cfg: OptConfigType = None) -> None:
        if flip_shift not in self._FLIP_SHIFTS:
            raise ValueError(f'flip_shift must be one of {self._FLIP_SHIFTS}, got {flip_shift!r}')
        downsample_out_channels = tuple(downsample_out_channels or ())
        head_in = downsample_out_channels[-1] if downsample_out_channels else in_channels
        super().__init__(
            in_channels=head_in, out_channels=out_channels,
            deconv_out_channels=deconv_out_channels, deconv_kernel_sizes=deconv_kernel_sizes,
            conv_out_channels=conv_out_channels, conv_kernel_sizes=conv_kernel_sizes,
            final_layer=final_layer, loss=loss, decoder=decoder, init_cfg=init_cfg)
        self.in_channels = in_channels
        layers, ch = [], in_channels
        for out_ch in downsample_out_channels:
            layers.append(ConvModule(ch, out_ch, 3, stride=2, padding=1,
                                     norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU')))
            ch = out_ch
        self.downsample_layers = nn.Sequential(*layers) if layers else nn.Identity()
        self.flip_shift = flip_shift
        if heatmap_size is None and self.decoder is not None:
            heatmap_size = getattr(self.decoder, 'heatmap_size', None)
        self.heatmap_size = tuple(int(v) for v in heatmap_size) if heatmap_size else None
        hw = [self.heatmap_size[1], self.heatmap_size[0]] if self.heatmap_size else [0, 0]
        # Persistent so that checkpoints record the resolution they were trained at.
        self.register_buffer('trained_heatmap_hw', torch.tensor(hw, dtype=torch.long))

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Multi-scale features -> heatmaps (B, K, H, W)."""
        x = self.downsample_layers(feats[-1])
        x = self.deconv_layers(x)
        x = self.conv_layers(x)
        heatmaps = self.final_layer(x)
        if self.heatmap_size is not None and not torch.jit.is_tracing() and \
                tuple(heatmaps.shape[-2:]) != (self.heatmap_size[1], self.heatmap_size[0]):
            h, w = heatmaps.shape[-2:]
            raise ValueError(
                f'the network produces {w}x{h} heatmaps but the head/codec expect '
                f'{self.heatmap_size[0]}x{self.heatmap_size[1]} (W x H): set the backbone '
                'resolution (popos.heatmap_size / --heatmap-size) and the codec together')
        return heatmaps

    def flip_back(self, heatmaps_flip: Tensor, flip_indices, test_cfg: ConfigType) -> Tensor:
        """Heatmaps (B, K, H, W) of flipped images mirrored back and aligned, as in flip test."""
        mode = test_cfg.get('flip_shift', self.flip_shift)
        if mode == 'exact':
            sigma = getattr(self.decoder, 'sigma', None)
            input_size = getattr(self.decoder, 'input_size', None)
            if sigma is None or not input_size:
                # the exact shift depends on both; guessing them shifts every flipped map
                raise ValueError(
                    "flip_shift='exact' needs a decoder with `sigma` and `input_size` (e.g. "
                    f'POPoSHeatmap); this head has {type(self.decoder).__name__}. Set '
                    "test_cfg.flip_shift='mmpose' or give the head a heatmap codec")
            return flip_heatmaps_exact(heatmaps_flip, flip_indices, input_size[0], float(sigma))
        return flip_heatmaps(heatmaps_flip, flip_mode='heatmap', flip_indices=flip_indices,
                             shift_heatmap=(mode == 'mmpose'))

    def predict(self, feats: Features, batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Decode the batch; flip test flips back, aligns and averages before decoding."""
        if test_cfg.get('flip_test', False):
            assert isinstance(feats, list) and len(feats) == 2
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            feats_orig, feats_flip = feats
            heatmaps = self.forward(feats_orig)
            heatmaps_flip = self.flip_back(self.forward(feats_flip), flip_indices, test_cfg)
            batch_heatmaps = (heatmaps + heatmaps_flip) * 0.5
        else:
            batch_heatmaps = self.forward(feats)
        preds = self.decode(batch_heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=hm) for hm in batch_heatmaps.detach()]
        return preds

    def loss(self, feats: Tuple[Tensor], batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """As HeatmapHead; a list of losses (or mmpose's CombinedLoss) is applied term by term."""
        if not isinstance(self.loss_module, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            return super().loss(feats, batch_data_samples, train_cfg)
        pred = self.forward(feats)
        gt = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        if isinstance(self.loss_module, nn.ModuleDict):
            terms = self.loss_module.items()
        else:
            terms = ((f'{i}_{type(m).__name__}', m) for i, m in enumerate(self.loss_module))
        # mmengine sums every key containing 'loss', so each term is reported once.
        losses = {f'loss_{name}': module(pred, gt, weights) for name, module in terms}
        if train_cfg.get('compute_acc', True):
            _, avg_acc, _ = pose_pck_accuracy(output=to_numpy(pred), target=to_numpy(gt),
                                              mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(avg_acc, device=gt.device)
        return losses

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        key = prefix + 'trained_heatmap_hw'
        if key in state_dict and self.heatmap_size is not None:
            stored = [int(v) for v in state_dict[key].tolist()]
            ours = [self.heatmap_size[1], self.heatmap_size[0]]
            if stored != [0, 0] and stored != ours:
                raise HeatmapSizeMismatchError(
                    f'checkpoint was trained with {stored[1]}x{stored[0]} heatmaps (W x H) but '
                    f'this model produces {ours[1]}x{ours[0]}: use the config (or '
                    f'--heatmap-size {stored[1]}) it was trained with')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
