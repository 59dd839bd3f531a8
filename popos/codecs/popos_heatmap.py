"""POPoS heatmap codec: unbiased Gaussian targets, multilateration decoding."""
import inspect
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.codecs.utils import generate_unbiased_gaussian_heatmaps
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor

from .functional import DECODE_MODES, decode_heatmaps, exporting
from .functional.compiled import may_compile


@KEYPOINT_CODECS.register_module()
class POPoSHeatmap(BaseKeypointCodec):
    """Gaussian heatmaps decoded by parallel optimal position search (POPoS).

    Encoding is mmpose's unbiased (DARK) target: an untruncated Gaussian over the whole
    map, peak 1, centred on the sub-pixel landmark. Decoding treats the top-K pixels as
    anchors whose values encode distances ``d = sqrt(-2 sigma^2 ln h)`` and multilaterates
    (see :func:`popos.codecs.functional.decode_heatmaps`, the single implementation shared
    with the head and the exported graph).

    Note:
        - instance number: N
        - keypoint number: K
        - keypoint dimension: D (2)
        - image size: [w, h]
        - heatmap size: [W, H]

    Encoded:
        - heatmaps (np.ndarray): (K, H, W)
        - keypoint_weights (np.ndarray): (N, K)

    Args:
        input_size: input image size ``(w, h)``.
        heatmap_size: heatmap size ``(W, H)``; any size >= 2x2 (64..4, non-square).
        sigma: Gaussian sigma in heatmap px, used both to encode and to invert ranges.
        decode_mode: ``'popos'``, ``'keypos'`` or ``'lls'``.
        topk, grid_side, grid_spacing: decoder settings, ``None`` = the per-resolution
            defaults published with the method.
        grid_method: ``'coarse_to_fine'`` or ``'dense'`` (the published single-step grid).
        refine: ``'pseudorange'``, ``'gauss_newton'`` or ``'none'``.
        refine_iters: Gauss-Newton iterations after the grid.
        anchor_radius: anchor neighbourhood around the argmax (heatmap px), default 2 sigma.
        clip_floor: lower clip of heatmap values before the log.
        weight_power: pseudo-range anchors weighted by ``h ** weight_power`` (2 = inverse
            variance of the squared range under additive noise).
        robust_iters: Cauchy re-weighting passes of the pseudo-range solve.
        fallback: what answers where the pseudo-range solve is rejected: ``'grid'`` (grid
            search + Gauss-Newton), ``'seed'`` (the 2x2 closed form; smaller export) or
            ``'width'`` (the same equations with the width fixed at ``sigma``; the smallest
            export).
        anchor_mask: ``'none'`` or ``'monotone'`` (an anchor brighter than its neighbour one
            step nearer the argmax does not vote in the pseudo-range solve).
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps')
    # Lets mmpose's BaseHead.decode hand over the whole batch tensor at once.
    support_batch_decoding = True

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 sigma: float = 2.0,
                 decode_mode: str = 'popos',
                 topk: Optional[int] = None,
                 grid_side: Optional[float] = None,
                 grid_spacing: Optional[float] = None,
                 grid_method: str = 'coarse_to_fine',
                 refine: str = 'pseudorange',
                 refine_iters: int = 3,
                 anchor_radius: Optional[float] = None,
                 clip_floor: float = 1e-9,
                 weight_power: Optional[float] = None,
                 robust_iters: int = 1,
                 fallback: str = 'grid',
                 anchor_mask: str = 'none') -> None:
        super().__init__()
        if decode_mode not in DECODE_MODES:
            raise ValueError(f'decode_mode must be one of {DECODE_MODES}, got {decode_mode!r}')
        if len(heatmap_size) != 2 or min(heatmap_size) < 2:
            raise ValueError(f'heatmap_size must be (W, H) with both >= 2, got {heatmap_size}')
        if sigma <= 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        self.input_size = tuple(int(v) for v in input_size)
        self.heatmap_size = tuple(int(v) for v in heatmap_size)
        self.sigma = float(sigma)
        self.decode_mode = decode_mode
        self.decode_cfg = dict(
            sigma=self.sigma, mode=decode_mode, topk=topk, grid_side=grid_side,
            grid_spacing=grid_spacing, grid_method=grid_method, refine=refine,
            refine_iters=refine_iters, anchor_radius=anchor_radius, clip_floor=clip_floor,
            weight_power=weight_power, robust_iters=robust_iters, fallback=fallback,
            anchor_mask=anchor_mask)
        # Validate the remaining options now rather than at the first decode (eager: this
        # call is no use of the decoder that would make it worth compiling).
        decode_heatmaps(torch.zeros(1, 1, self.heatmap_size[1], self.heatmap_size[0]),
                        static_graph=False, **self.decode_cfg)
        self.scale_factor = (np.array(self.input_size) /
                             np.array(self.heatmap_size)).astype(np.float32)
        # built once: a tensor per decode call is measurable on the one-face path
        self._scale = torch.from_numpy(self.scale_factor)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Keypoints (N, K, 2) in input px -> heatmaps (K, H, W), keypoint_weights (N, K)."""
        keypoints = np.asarray(keypoints, dtype=np.float32)
        if keypoints.ndim != 3 or keypoints.shape[-1] != 2:
            raise ValueError(f'keypoints must be (N, K, 2), got shape {keypoints.shape}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible, dtype=np.float32)
        # Non-finite annotations cannot be drawn: they get zero weight instead of NaN maps.
        finite = np.isfinite(keypoints).all(-1)
        keypoints_visible = np.where(finite, keypoints_visible, 0.0).astype(np.float32)
        keypoints = np.where(finite[..., None], keypoints, 0.0)
        heatmaps, keypoint_weights = generate_unbiased_gaussian_heatmaps(
            heatmap_size=self.heatmap_size,
            keypoints=keypoints / self.scale_factor,
            keypoints_visible=keypoints_visible,
            sigma=self.sigma)
        return dict(heatmaps=heatmaps, keypoint_weights=keypoint_weights)

    def _check_size(self, heatmaps) -> None:
        h, w = heatmaps.shape[-2:]
        if (w, h) != self.heatmap_size:
            raise ValueError(f'this codec decodes {self.heatmap_size[0]}x{self.heatmap_size[1]} '
                             f'(W x H) heatmaps, got {w}x{h}: the model and the codec disagree '
                             'on the heatmap size')

    def batch_decode_tensor(self, heatmaps: Tensor) -> Tuple[Tensor, Tensor]:
        """Heatmaps (B, K, H, W) tensor -> keypoints (B, K, 2) in input px, scores (B, K)."""
        self._check_size(heatmaps)
        if heatmaps.dim() == 4 and heatmaps.device.type == 'cpu' and \
                heatmaps.dtype == torch.float32 and not heatmaps.requires_grad and \
                may_compile(heatmaps.shape[0] * heatmaps.shape[1], *heatmaps.shape[2:]) and \
                not exporting():
            # the compiled decode reads and writes numpy: no tensor round trip, whose few ops
            # cost a one-face call more than its numpy ones
            keypoints, scores = self._decode_numpy(heatmaps.numpy())
            return torch.from_numpy(keypoints), torch.from_numpy(scores)
        keypoints, scores = decode_heatmaps(heatmaps, **self.decode_cfg)
        scale = self._scale if keypoints.device == self._scale.device else \
            self._scale.to(keypoints.device)
        return keypoints * scale, scores

    def batch_decode(self, batch_heatmaps: Tensor) -> Tuple[np.ndarray, np.ndarray]:
        """Heatmaps (B, K, H, W) -> keypoints (B, 1, K, 2), scores (B, 1, K), numpy (mmpose's
        contract)."""
        keypoints, scores = self.batch_decode_tensor(batch_heatmaps.detach().float())
        return keypoints[:, None].cpu().numpy(), scores[:, None].cpu().numpy()

    def decode(self, encoded: Union[np.ndarray, Tensor]) -> Tuple[np.ndarray, np.ndarray]:
        """Heatmaps (K, H, W) -> keypoints (1, K, 2) in input px, scores (1, K), numpy."""
        tensor = isinstance(encoded, Tensor)
        if not tensor:
            encoded = np.asarray(encoded, dtype=np.float32)
        if encoded.ndim != 3:
            raise ValueError(f'heatmaps must be (K, H, W), got shape {tuple(encoded.shape)}')
        if tensor:
            keypoints, scores = self.batch_decode_tensor(encoded[None].detach().float().cpu())
            return keypoints.numpy(), scores.numpy()
        # numpy in and out of the decoder: no tensor round trip on a tracker's per-face call
        self._check_size(encoded)
        return self._decode_numpy(encoded[None])

    def _decode_numpy(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(B, K, H, W) numpy heatmaps -> keypoints (B, K, 2) in input px, scores (B, K)."""
        keypoints, scores = decode_heatmaps(heatmaps, **self.decode_cfg)
        return keypoints * self.scale_factor, scores


# The codec's arguments that only change how heatmaps are decoded (not the targets nor the
# trained Gaussian width): what may be set on a trained model's codec.
DECODER_SETTINGS = tuple(name for name in inspect.signature(POPoSHeatmap).parameters
                         if name not in ('input_size', 'heatmap_size', 'sigma'))


def check_decoder_settings(settings: dict) -> None:
    """Raise a ValueError naming every key of ``settings`` that is not in DECODER_SETTINGS."""
    unknown = sorted(set(settings) - set(DECODER_SETTINGS))
    if unknown:
        raise ValueError(f'unknown decoder settings {unknown}; settable: '
                         f'{", ".join(DECODER_SETTINGS)} (sizes and sigma belong to the '
                         'trained model)')
