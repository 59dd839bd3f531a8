"""Teacher-heatmap losses for distillation into a (possibly lower-resolution) student."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from popos.codecs.functional import decode_heatmaps, squared_ranges
from popos.codecs.functional.defaults import resolution_defaults

RESIZE_MODES = ('bilinear', 'area')


def resize_teacher_heatmaps(heatmaps: Tensor, size: tuple, mode: str = 'bilinear') -> Tensor:
    """Resample teacher heatmaps (B,K,Ht,Wt) to the student's (H, W).

    ``'bilinear'`` samples at the MSRA positions (student pixel ``u`` looks at teacher pixel
    ``u * Wt / W``, both maps covering the same crop from pixel 0): exact alignment, and at
    an integer ratio it takes teacher pixels as they are. ``'area'`` averages blocks
    (``F.interpolate(mode='area')``); its block centres are shifted by half a teacher pixel
    minus half a student pixel, which is a bias at every ratio other than 1.
    """
    if mode not in RESIZE_MODES:
        raise ValueError(f'resize mode must be one of {RESIZE_MODES}, got {mode!r}')
    h, w = int(size[0]), int(size[1])
    ht, wt = heatmaps.shape[-2:]
    if (ht, wt) == (h, w):
        return heatmaps
    if mode == 'area':
        return F.interpolate(heatmaps, size=(h, w), mode='area')
    b, k = heatmaps.shape[:2]
    # grid_sample with align_corners=True maps -1/+1 to the first/last pixel centre.
    xs = torch.arange(w, dtype=heatmaps.dtype, device=heatmaps.device) * (wt / w)
    ys = torch.arange(h, dtype=heatmaps.dtype, device=heatmaps.device) * (ht / h)
    gx = 2 * xs / max(wt - 1, 1) - 1
    gy = 2 * ys / max(ht - 1, 1) - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing='ij')[::-1], dim=-1)
    grid = grid.unsqueeze(0).expand(b, h, w, 2)
    out = F.grid_sample(heatmaps, grid, mode='bilinear', padding_mode='border',
                        align_corners=True)
    return out.reshape(b, k, h, w)


def widen_gaussians(heatmaps: Tensor, sigma: float, target_sigma: float) -> Tensor:
    """Turn Gaussians of width ``sigma`` into width ``target_sigma`` (both in map px, wider).

    Convolves with a normalised Gaussian of ``sqrt(target^2 - sigma^2)`` (replicate padding)
    and rescales by ``target^2 / sigma^2`` so a peak of 1 stays 1: exact for a Gaussian away
    from the border. A predicted map's noise is averaged (a constant offset grows only by
    ``target^2 / sigma^2``), where the power ``h ** (sigma^2 / target^2)`` would lift a
    near-zero background to a plateau (0.001 ** 0.25 = 0.18).
    """
    if target_sigma < sigma:
        raise ValueError(f'can only widen: {target_sigma} < {sigma}')
    sigma_c = (target_sigma**2 - sigma**2)**0.5
    if sigma_c < 1e-6:
        return heatmaps
    radius = max(1, int(3 * sigma_c + 0.5))
    x = torch.arange(-radius, radius + 1, dtype=heatmaps.dtype, device=heatmaps.device)
    kernel = torch.exp(-x**2 / (2 * sigma_c**2))
    kernel = kernel / kernel.sum()
    b, k, h, w = heatmaps.shape
    out = heatmaps.reshape(b * k, 1, h, w)
    out = F.conv2d(F.pad(out, (radius, radius, 0, 0), mode='replicate'), kernel.view(1, 1, 1, -1))
    out = F.conv2d(F.pad(out, (0, 0, radius, radius), mode='replicate'), kernel.view(1, 1, -1, 1))
    return out.reshape(b, k, h, w) * (target_sigma / sigma)**2


def distance_maps(heatmaps: Tensor, sigma: float, clip_floor: float, eps: float = 1e-6) -> Tensor:
    """Gaussian-inverse range map ``sqrt(-2 sigma^2 ln clip(h, floor, 1))`` in heatmap px."""
    return torch.sqrt(squared_ranges(heatmaps, sigma, clip_floor) + eps)


def render_gaussians(keypoints: Tensor, size: tuple, sigma: float) -> Tensor:
    """Keypoints (B, K, 2) in map px -> untruncated Gaussians (B, K, H, W), peak 1.

    The same target as mmpose's ``generate_unbiased_gaussian_heatmaps`` (the POPoS codec's).
    """
    h, w = int(size[0]), int(size[1])
    xs = torch.arange(w, dtype=keypoints.dtype, device=keypoints.device)
    ys = torch.arange(h, dtype=keypoints.dtype, device=keypoints.device)
    dx2 = (xs.view(1, 1, 1, w) - keypoints[..., 0, None, None])**2
    dy2 = (ys.view(1, 1, h, 1) - keypoints[..., 1, None, None])**2
    return torch.exp(-(dx2 + dy2) / (2.0 * sigma**2))


def _weights(keypoint_weights: Optional[Tensor], b: int, k: int, ref: Tensor) -> Tensor:
    if keypoint_weights is None:
        return ref.new_ones(b, k)
    return keypoint_weights.reshape(b, k).to(ref)


def _scale_ratio(student: Tensor, teacher: Tensor) -> float:
    """Student px per teacher px, the same along both axes (else a teacher's round Gaussian
    is an ellipse at the student's resolution and no single sigma or range scale fits)."""
    (h, w), (ht, wt) = student.shape[-2:], teacher.shape[-2:]
    if abs(h * wt - w * ht) > 0:
        raise ValueError(f'student {w}x{h} and teacher {wt}x{ht} heatmaps (W x H) differ in '
                         'aspect ratio: resample the teacher to a map of the student\'s aspect')
    return w / wt


@MODELS.register_module()
class TeacherHeatmapMSELoss(nn.Module):
    """MSE between student heatmaps and teacher heatmaps resampled to the student's size.

    Args:
        resize_mode: ``'bilinear'`` (exact MSRA-aligned sampling) or ``'area'``.
        match_sigma: re-render the teacher's Gaussians at the student codec's sigma, so a
            teacher trained with another sigma or resolution does not ask for a narrower
            or wider peak than the student's ground truth (r = student px per teacher px):
            a teacher peak narrower than the student's (``r * sigma_t < sigma_s``, e.g. a
            16x16 teacher for an 8x8 student) is widened by a Gaussian blur at the
            teacher's resolution before resampling (``widen_gaussians``); a wider one is
            narrowed by the power ``h ** ((r * sigma_t / sigma_s) ** 2)`` after it.
        loss_weight: factor on the loss.
    """

    def __init__(self, resize_mode: str = 'bilinear', match_sigma: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}')
        self.resize_mode = resize_mode
        self.match_sigma = match_sigma
        self.loss_weight = loss_weight

    def forward(self, student: Tensor, teacher: Tensor, student_sigma: float,
                teacher_sigma: float, keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Weighted mean over pixels of ``(student - teacher')^2``."""
        b, k, h, w = student.shape
        ratio = _scale_ratio(student, teacher)
        widen = self.match_sigma and ratio * teacher_sigma < student_sigma - 1e-6
        if widen:
            teacher = widen_gaussians(teacher, teacher_sigma, student_sigma / ratio)
        target = resize_teacher_heatmaps(teacher, (h, w), self.resize_mode)
        if self.match_sigma and not widen and ratio * teacher_sigma > student_sigma + 1e-6:
            power = (ratio * teacher_sigma / student_sigma)**2
            target = target.clamp(min=0, max=1).pow(power)
        err = ((student - target)**2).mean(dim=(2, 3))
        weights = _weights(keypoint_weights, b, k, err)
        return self.loss_weight * (err * weights).mean()


@MODELS.register_module()
class TeacherDistanceMapLoss(nn.Module):
    """Squared error between teacher and student Gaussian-inverse distance maps on the anchors.

    Both maps are turned into ranges ``d = sqrt(-2 sigma^2 ln clip(h, clip_floor, 1))``, each
    with its own codec sigma and expressed in student heatmap px (the teacher's after
    resampling with ``resize_teacher_heatmaps`` and scaling by r = student px per teacher
    px). The loss is the mean of ``(d_s - d_t)^2`` over the *anchor region*: the top-K
    pixels of the resampled teacher map per landmark (K = the POPoS decoder's K at the
    student resolution, capped at H*W), i.e. exactly the ranges the decoder multilaterates
    from. Landmark weights (visibility) apply.
    """

    def __init__(self, topk: Optional[int] = None, clip_floor: float = 1e-3,
                 resize_mode: str = 'bilinear', loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 < clip_floor < 1:
            raise ValueError(f'clip_floor must be in (0, 1), got {clip_floor}')
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}')
        self.topk = topk
        self.clip_floor = clip_floor
        self.resize_mode = resize_mode
        self.loss_weight = loss_weight

    def forward(self, student: Tensor, teacher: Tensor, student_sigma: float,
                teacher_sigma: float, keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Weighted mean over anchors of the squared range difference (student px^2)."""
        b, k, h, w = student.shape
        ratio = _scale_ratio(student, teacher)
        target = resize_teacher_heatmaps(teacher, (h, w), self.resize_mode)
        topk = self.topk or resolution_defaults(h, w)[0]
        topk = min(topk, h * w)
        d_t = distance_maps(target, teacher_sigma, self.clip_floor) * ratio
        d_s = distance_maps(student, student_sigma, self.clip_floor)
        idx = target.flatten(2).topk(topk, dim=-1).indices
        err = (d_s.flatten(2).gather(-1, idx) - d_t.flatten(2).gather(-1, idx))**2
        weights = _weights(keypoint_weights, b, k, err)
        return self.loss_weight * (err.mean(-1) * weights).mean()


@MODELS.register_module()
class TeacherPseudoLabelLoss(nn.Module):
    """The student's own heatmap loss against Gaussians drawn at the teacher's decoded landmarks.

    The teacher maps are decoded with the POPoS tensor decoder (``decode_heatmaps``, with the
    teacher codec's settings), the landmarks are scaled to student px (the MSRA convention
    puts map pixel ``u`` at input pixel ``u * stride`` for both maps, so the factor is
    ``W_student / W_teacher``) and drawn as the student codec's target: the exact Gaussian
    at the student's sigma that POPoS inverts, whatever the teacher's resolution or sigma.
    Unlike the soft terms this hands the student no part of the teacher's map shape
    (lower, wider peaks), only its landmark positions.

    Args:
        loss: heatmap loss config; ``None`` = the student head's own ``loss_module``.
        decode_cfg: ``decode_heatmaps`` options; ``None`` = the teacher codec's settings.
        min_score: landmarks whose teacher score (map maximum) is not above it get no loss.
        loss_weight: factor on the loss.
    """

    def __init__(self, loss: Optional[dict] = None, decode_cfg: Optional[dict] = None,
                 min_score: float = 0.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss = MODELS.build(loss) if loss is not None else None
        self.decode_cfg = dict(decode_cfg) if decode_cfg is not None else None
        self.min_score = min_score
        self.loss_weight = loss_weight

    def bind(self, student_head: nn.Module, teacher_head: nn.Module) -> None:
        """Take the student's loss and the teacher's decoder settings where none were given."""
        if self.loss is None:
            # a plain attribute, not a submodule: the student head already owns it
            self.__dict__['loss'] = student_head.loss_module
        if self.decode_cfg is None:
            decoder = getattr(teacher_head, 'decoder', None)
            self.decode_cfg = dict(getattr(decoder, 'decode_cfg', None) or {})

    def forward(self, student: Tensor, teacher: Tensor, student_sigma: float,
                teacher_sigma: float, keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """The student loss on the rendered targets, landmarks weighted by visibility x score."""
        if self.loss is None:
            raise RuntimeError('TeacherPseudoLabelLoss has no heatmap loss: give `loss=` or '
                               'use it inside HeatmapDistiller, which binds the student\'s')
        b, k, h, w = student.shape
        with torch.no_grad():
            cfg = dict(self.decode_cfg or {})
            cfg['sigma'] = teacher_sigma
            keypoints, scores = decode_heatmaps(teacher.detach().float(), **cfg)
            scale = keypoints.new_tensor([w / teacher.shape[-1], h / teacher.shape[-2]])
            target = render_gaussians(keypoints * scale, (h, w), student_sigma).to(student)
            confident = (scores > self.min_score).to(student)
            weights = _weights(keypoint_weights, b, k, student) * confident
        return self.loss_weight * self.loss(student, target, weights)
