"""Flip-test alignment of heatmaps with the exact sub-pixel shift."""
from typing import Optional, Sequence

import torch
from torch import Tensor


def flip_shift(input_width: int, heatmap_width: int) -> float:
    """Exact shift (heatmap px) that aligns a flipped-back heatmap with the original.

    With mmpose's conventions - image columns flip as ``x -> w_in - 1 - x`` and heatmap
    pixel ``i`` sits at input coordinate ``i * s`` with ``s = w_in / W`` - a landmark at
    heatmap ``x`` appears at ``x - (1 - 1/s)`` after flipping the flipped image's heatmap
    back, so the right shift is ``1 - W / w_in``, not mmpose's one pixel
    (0.75 px at 64 from 256, 0.984 px at 4 from 256).
    """
    return 1.0 - heatmap_width / float(input_width)


def shift_right_gaussian(heatmaps: Tensor, shift: float, sigma: float,
                         floor: float = 1e-12) -> Tensor:
    """Shift maps (B, K, H, W) right by ``shift`` in [0, 1] heatmap px.

    Interpolates linearly in the log domain, which is exact for a Gaussian up to the
    constant factor ``exp(-t (1 - t) / (2 sigma^2))`` that is divided out again. The
    column left of the map is extrapolated quadratically in the log domain (exact for a
    Gaussian) instead of replicated as mmpose does, which matters at 4x4 where one column
    is a quarter of the map. The extrapolated value is capped at ``h0 * exp(1 / (2 sigma^2))``
    (``h0`` = first column): the most a Gaussian of this sigma centred at x >= -1 (the
    decodable range) can rise over one pixel. Without the cap, a predicted map's noisy
    near-zero tail (e.g. 0.02, 0.0, 0.03) extrapolates to 1 and plants a false peak on
    the border, which ruins decoders that take global top-K anchors (KeyPosS).
    """
    if not 0.0 <= shift <= 1.0:
        raise ValueError(f'shift must be in [0, 1], got {shift}')
    log_h = heatmaps.clamp_min(floor).log()
    if log_h.shape[-1] >= 3:
        outside = 3 * log_h[..., :1] - 3 * log_h[..., 1:2] + log_h[..., 2:3]
        outside = torch.minimum(outside, log_h[..., :1] + 1.0 / (2.0 * sigma * sigma))
        outside = outside.clamp(min=float(torch.tensor(floor).log()), max=0.0)
    else:
        outside = log_h[..., :1]
    left = torch.cat([outside, log_h[..., :-1]], dim=-1)
    mixed = (1.0 - shift) * log_h + shift * left
    return (mixed + shift * (1.0 - shift) / (2.0 * sigma * sigma)).exp()


def flip_heatmaps_exact(heatmaps: Tensor, flip_indices: Optional[Sequence[int]], input_width: int,
                        sigma: float) -> Tensor:
    """Mirror heatmaps (B, K, H, W) of a flipped image back, swap symmetric keypoints, align."""
    flipped = heatmaps.flip(-1)
    if flip_indices is not None:
        if len(flip_indices) != heatmaps.shape[1]:
            raise ValueError(f'{len(flip_indices)} flip indices for {heatmaps.shape[1]} heatmaps')
        flipped = flipped[:, list(flip_indices)]
    return shift_right_gaussian(flipped, flip_shift(input_width, heatmaps.shape[-1]), sigma)
