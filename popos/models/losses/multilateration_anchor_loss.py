"""Multilateration anchor (MA) loss: heatmap MSE plus extra weight on the decoder's anchors."""
from typing import Optional

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...codecs.functional.defaults import POPOS_TOPK, nearest_resolution


def anchor_mask(target: Tensor, mode: str = 'topk', topk: Optional[int] = None,
                threshold: float = 0.3) -> Tensor:
    """Binary mask (B, K, H, W) of the target cells a POPoS decoder reads as anchors.

    ``'topk'``: the K strongest cells of each target map (K defaults to the decoder's
    per-resolution top-K); ``'threshold'``: cells where ``target > threshold``.
    All-zero targets (invisible keypoints) get an empty mask.
    """
    b, k, h, w = target.shape
    if mode == 'threshold':
        return (target > threshold).to(target.dtype)
    if mode != 'topk':
        raise ValueError(f"mask mode must be 'topk' or 'threshold', got {mode!r}")
    n = min(int(topk or POPOS_TOPK[nearest_resolution(h, w)]), h * w)
    flat = target.reshape(b, k, h * w)
    idx = flat.topk(n, dim=-1).indices
    mask = torch.zeros_like(flat).scatter_(-1, idx, 1.0)
    has_signal = (flat.amax(-1, keepdim=True) > 0).to(target.dtype)
    return (mask * has_signal).view_as(target)


@MODELS.register_module()
class MultilaterationAnchorLoss(nn.Module):
    """``mse_weight * MSE(H, H_gt) + anchor_weight * mean_{anchors}((H - H_gt)^2)``.

    The anchor term is the masked heatmap loss of the POPoS paper: the error on the cells
    the decoder turns into ranges, normalised by the number of anchor cells so its scale
    does not depend on the heatmap size. The MSE term is mmpose's ``KeypointMSELoss``.

    Args:
        anchor_weight: weight of the anchor term.
        mse_weight: weight of the whole-map ``KeypointMSELoss`` (0 = anchor term alone).
        mask_mode: ``'topk'`` (top-K cells of the target) or ``'threshold'``.
        topk: K for ``'topk'``; ``None`` = the decoder's default for the map size.
        threshold: tau for ``'threshold'``.
        use_target_weight: weight each keypoint by its target weight (visibility).
        skip_empty_channel: passed to ``KeypointMSELoss``.
        loss_weight: overall multiplier.
    """

    def __init__(self,
                 anchor_weight: float = 1.0,
                 mse_weight: float = 1.0,
                 mask_mode: str = 'topk',
                 topk: Optional[int] = None,
                 threshold: float = 0.3,
                 use_target_weight: bool = True,
                 skip_empty_channel: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if mask_mode not in ('topk', 'threshold'):
            raise ValueError(f"mask_mode must be 'topk' or 'threshold', got {mask_mode!r}")
        self.anchor_weight = anchor_weight
        self.mse_weight = mse_weight
        self.mask_mode = mask_mode
        self.topk = topk
        self.threshold = threshold
        self.use_target_weight = use_target_weight
        self.loss_weight = loss_weight
        self.mse = KeypointMSELoss(use_target_weight=use_target_weight,
                                   skip_empty_channel=skip_empty_channel)

    def forward(self, output: Tensor, target: Tensor,
                target_weights: Optional[Tensor] = None, mask: Optional[Tensor] = None) -> Tensor:
        """output, target (B, K, H, W); target_weights (B, K); optional pixel mask
        (B, K|1, H, W)."""
        if output.shape != target.shape:
            raise ValueError(f'output {tuple(output.shape)} and target {tuple(target.shape)} '
                             'differ')
        loss = output.new_zeros(())
        # mmpose's KeypointMSELoss applies any weights it is given whatever its own flag says
        weights = target_weights if self.use_target_weight else None
        if self.mse_weight:
            loss = loss + self.mse_weight * self.mse(output, target, weights, mask)
        if self.anchor_weight:
            cells = anchor_mask(target, self.mask_mode, self.topk, self.threshold)
            if weights is not None:
                cells = cells * weights[..., None, None]
            if mask is not None:
                cells = cells * mask
            err = (output - target).square() * cells
            # a weighted mean over the anchors also when the weights sum below 1; no anchor
            # at all (every keypoint invisible) gives 0, not NaN
            total = cells.sum()
            loss = loss + self.anchor_weight * err.sum() / torch.where(
                total > 0, total, torch.ones_like(total))
        return loss * self.loss_weight
