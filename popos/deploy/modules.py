"""Plain nn.Module views of a popos pose model for export: image -> heatmaps or keypoints."""
from typing import Tuple

import torch
from torch import Tensor, nn

from popos.codecs import POPoSHeatmap
from popos.codecs.functional import decode_heatmaps


def decode_to_input_px(heatmaps: Tensor, codec: POPoSHeatmap) -> Tuple[Tensor, Tensor]:
    """(B,K,H,W) heatmaps -> keypoints (B,K,2) in input-crop px, scores (B,K), traceable.

    The same decoder the codec uses; the scale is baked in as constants so the exported
    graph needs no side information.
    """
    if not isinstance(codec, POPoSHeatmap):
        raise TypeError(f'decode in graph needs a POPoSHeatmap decoder, got {type(codec).__name__}')
    keypoints, scores = decode_heatmaps(heatmaps, **codec.decode_cfg)
    sx, sy = (float(v) for v in codec.scale_factor)
    if sx == sy:  # a scalar: onnxruntime broadcasts it ~4x faster than a (2,) row
        return keypoints * sx, scores
    scale = torch.tensor([sx, sy], dtype=keypoints.dtype, device=keypoints.device)
    return keypoints * scale, scores


class DecoderModel(nn.Module):
    """Heatmaps (B,K,h,w) -> keypoints (B,K,2) in input-crop px and scores (B,K): the codec's
    decoder as a graph of its own."""

    def __init__(self, codec: POPoSHeatmap) -> None:
        super().__init__()
        self.codec = codec

    def forward(self, heatmaps: Tensor) -> Tuple[Tensor, Tensor]:
        return decode_to_input_px(heatmaps, self.codec)


class HeatmapModel(nn.Module):
    """Normalised image (B,3,H,W) -> heatmaps (B,K,h,w): what mmdeploy's End2EndModel consumes."""

    def __init__(self, pose_model: nn.Module) -> None:
        super().__init__()
        self.pose_model = pose_model

    def forward(self, inputs: Tensor) -> Tensor:
        feats = self.pose_model.extract_feat(inputs)
        return self.pose_model.head.forward(feats)


class DecodedModel(nn.Module):
    """Normalised image -> keypoints (B,K,2) in input-crop px and scores (B,K), decoder in graph."""

    def __init__(self, pose_model: nn.Module) -> None:
        super().__init__()
        self.heatmap_model = HeatmapModel(pose_model)
        self.codec = pose_model.head.decoder

    def forward(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        return decode_to_input_px(self.heatmap_model(inputs), self.codec)


def export_module(pose_model: nn.Module, decode: bool) -> nn.Module:
    """The eval-mode module to convert for the given export mode."""
    module = DecodedModel(pose_model) if decode else HeatmapModel(pose_model)
    return module.eval()
