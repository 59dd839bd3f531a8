"""HRNet whose output resolution is chosen by the heatmap size, with compute falling accordingly."""
from typing import Dict, Optional, Tuple

from mmcv.cnn import ConvModule
from mmpose.models.backbones import HRNet
from mmpose.registry import MODELS
from torch import Tensor, nn

# output stride -> (conv1 stride, conv2 stride, extra stride-2 convs, stages kept), as in the
# POPoS paper at a 256 input (heatmaps 64/32/16/8/4): larger stem strides, last stages
# dropped at 8x8 / 4x4.
LOW_RES_PLAN: Dict[int, Tuple[int, int, int, int]] = {
    4: (2, 2, 0, 4),
    8: (4, 2, 0, 4),
    16: (4, 4, 0, 4),
    32: (4, 4, 1, 3),
    64: (4, 4, 2, 2),
}


def hrnet_out_channels(extra: dict, num_stages: int) -> int:
    """Channels after concatenating all branches of the last kept stage (HRNetV2 neck)."""
    return int(sum(extra[f'stage{num_stages}']['num_channels']))


@MODELS.register_module()
class LowResHRNet(HRNet):
    """HRNet(V2) producing features at ``input_size / heatmap_size`` stride.

    Args:
        extra: mmpose ``HRNet`` stage configuration (e.g. HRNetV2-W18).
        heatmap_size: heatmap height; with ``input_size`` it fixes the output stride
            (4, 8, 16, 32 or 64 - heatmaps 64..4 at a 256 input). The stride is realised in
            the stem (strides 2/2, 4/2, 4/4, 4/4 + one stride-2 conv, 4/4 + two) and
            stage 4 (stride 32) or stages 3-4 (stride 64) are removed, so FLOPs fall with
            the resolution instead of pooling a 64x64 map.
        input_size: input image height the stride is computed for.
        num_stages: override the number of HRNet stages kept (2..4).
        **kwargs: everything else ``mmpose.models.backbones.HRNet`` accepts.

    Output: the branch features of the last kept stage, highest resolution first; with
    ``FeatureMapProcessor(concat=True)`` they become one map of
    ``hrnet_out_channels(extra, num_stages)`` channels at ``heatmap_size``.
    """

    def __init__(self, extra: dict, heatmap_size: int = 64, input_size: int = 256,
                 num_stages: Optional[int] = None, **kwargs) -> None:
        stride = input_size // heatmap_size
        if input_size % heatmap_size or stride not in LOW_RES_PLAN:
            raise ValueError(f'LowResHRNet supports output strides {sorted(LOW_RES_PLAN)}; '
                             f'heatmap {heatmap_size} from input {input_size} is not one of them')
        super().__init__(extra, **kwargs)
        s1, s2, n_extra, stages = LOW_RES_PLAN[stride]
        self.heatmap_size = heatmap_size
        self.output_stride = stride
        self.num_stages = int(num_stages or stages)
        if not 2 <= self.num_stages <= 4:
            raise ValueError(f'num_stages must be 2, 3 or 4, got {self.num_stages}')
        self.conv1.stride = (s1, s1)
        self.conv2.stride = (s2, s2)
        self.stem_downsample = nn.Sequential(*[
            ConvModule(64, 64, 3, stride=2, padding=1, norm_cfg=self.norm_cfg,
                       act_cfg=dict(type='ReLU'))
            for _ in range(n_extra)
        ]) if n_extra else nn.Identity()
        # Stages that are never run must not hold parameters or show up in FLOP counts.
        for idx in range(self.num_stages + 1, 5):
            setattr(self, f'stage{idx}', None)
            setattr(self, f'transition{idx - 1}', None)

    def _run_stage(self, idx: int, y_list) -> list:
        cfg = getattr(self, f'stage{idx}_cfg')
        transition = getattr(self, f'transition{idx - 1}')
        x_list = []
        for i in range(cfg['num_branches']):
            if transition[i] is not None:
                src = y_list[-1] if isinstance(y_list, (list, tuple)) else y_list
                x_list.append(transition[i](src))
            else:
                x_list.append(y_list[i] if isinstance(y_list, (list, tuple)) else y_list)
        return getattr(self, f'stage{idx}')(x_list)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Image (B, 3, H, W) -> branch features of the last kept stage."""
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        x = self.stem_downsample(x)
        y = self.layer1(x)
        for idx in range(2, self.num_stages + 1):
            y = self._run_stage(idx, y)
        return tuple(y)

    def _freeze_stages(self) -> None:
        # HRNet freezes stage{i}/transition{i} by name; dropped ones are None.
        if self.frozen_stages < 0:
            return
        for name in ('conv1', 'norm1', 'conv2', 'norm2', 'stem_downsample'):
            module = getattr(self, name)
            module.eval()
            for p in module.parameters():
                p.requires_grad = False
        for i in range(1, min(self.frozen_stages, self.num_stages) + 1):
            for name in (f'layer{i}' if i == 1 else f'stage{i}', f'transition{i}'):
                module = getattr(self, name, None)
                if module is None:
                    continue
                module.eval()
                for p in module.parameters():
                    p.requires_grad = False


# The name configs used before the rename (the shipped models' configs among them).
MODELS.register_module(name='POPoSHRNet', module=LowResHRNet)
POPoSHRNet = LowResHRNet
