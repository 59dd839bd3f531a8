"""HeatmapDistiller: a top-down student trained with its own losses plus a frozen teacher's
heatmaps."""
import contextlib
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.runner import load_checkpoint
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import MODELS
from mmpose.utils.typing import SampleList
from torch import Tensor, nn

from ...utils import safe_loading

TEACHER_PREFIX = 'teacher.'
DISTILL_KEYPOINTS = ('visible', 'all', 'unlabelled')


def _sigma(head: nn.Module) -> float:
    sigma = getattr(getattr(head, 'decoder', None), 'sigma', None)
    if sigma is None:
        raise ValueError(f'{type(head).__name__} has no decoder with a sigma: the distance-map '
                         'loss needs the codec sigma of teacher and student')
    return float(sigma)


def _preprocessor_stats(model: nn.Module) -> Optional[tuple]:
    pre = getattr(model, 'data_preprocessor', None)
    if pre is None or getattr(pre, 'mean', None) is None:
        return None
    return (pre.mean.flatten().tolist(), pre.std.flatten().tolist())


@MODELS.register_module()
class HeatmapDistiller(TopdownPoseEstimator):
    """Top-down pose estimator (the student) distilled from a frozen teacher's heatmaps.

    The module *is* the student: its state dict, ``predict`` and export path are the
    student's, so a checkpoint trained with this class loads into the plain student config.
    The teacher is built from ``teacher_cfg`` and ``teacher_ckpt``, kept in eval mode without
    gradients and left out of ``state_dict()``.

    Args:
        teacher_cfg: path of (or the) teacher model config; its ``model`` is built.
        teacher_ckpt: teacher checkpoint (loaded with popos's safe loader). ``None`` is only
            accepted with ``allow_random_teacher=True`` (tests).
        distill_losses: teacher-heatmap losses, e.g. ``TeacherHeatmapMSELoss`` and
            ``TeacherDistanceMapLoss`` configs; each is reported as ``loss_distill_<i>_<type>``.
        teacher_input_size: ``(w, h)`` the teacher is fed (the student's crop resized
            bilinearly, same face box); default: the teacher codec's input size.
        distill_keypoints: which landmarks get the teacher losses: ``'visible'`` (those with a
            visible ground truth, the classic setting), ``'all'`` (every landmark of every
            sample) or ``'unlabelled'`` (only where the ground truth is missing: faces of an
            ``UnlabelledFaceDataset`` and invisible points, so labelled landmarks learn from
            their labels alone -- pseudo-labelling).
        teacher_flip: teach with the teacher's flip-test maps (the average of its maps of the
            crop and of the mirrored crop, mirrored back as its ``predict`` does with
            ``flip_test=True``): better teacher landmarks for one more teacher forward.
        **kwargs: the student's ``TopdownPoseEstimator`` arguments.
    """

    def __init__(self, teacher_cfg: Union[str, dict, Config], teacher_ckpt: Optional[str],
                 distill_losses: Sequence[dict], teacher_input_size: Optional[Sequence[int]] = None,
                 distill_keypoints: str = 'visible', teacher_flip: bool = False,
                 allow_random_teacher: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if not distill_losses:
            raise ValueError('distill_losses is empty: nothing to distil')
        if distill_keypoints not in DISTILL_KEYPOINTS:
            raise ValueError(f'distill_keypoints must be one of {DISTILL_KEYPOINTS}, '
                             f'got {distill_keypoints!r}')
        if teacher_ckpt is None and not allow_random_teacher:
            raise ValueError('teacher_ckpt is None: a distiller needs a trained teacher '
                             '(allow_random_teacher=True is for tests only)')
        cfg = Config.fromfile(teacher_cfg) if isinstance(teacher_cfg, str) else Config(
            dict(teacher_cfg))
        model_cfg = ConfigDict(cfg.get('model', cfg))
        if model_cfg.get('backbone', {}).get('init_cfg') is not None:
            model_cfg.backbone.init_cfg = None  # weights come from teacher_ckpt, no download
        self.teacher = MODELS.build(model_cfg)
        self.teacher_ckpt = teacher_ckpt
        self._load_teacher()
        if _preprocessor_stats(self.teacher) not in (None, _preprocessor_stats(self)):
            raise ValueError('teacher and student normalise images differently; the teacher is '
                             'fed the student\'s preprocessed batch, so their data_preprocessor '
                             'mean/std must match')
        codec = getattr(self.teacher.head, 'decoder', None)
        size = teacher_input_size or getattr(codec, 'input_size', None)
        self.teacher_input_size = tuple(int(v) for v in size) if size is not None else None
        self.distill_losses = nn.ModuleList(MODELS.build(c) for c in distill_losses)
        for module in self.distill_losses:
            if hasattr(module, 'bind'):
                module.bind(self.head, self.teacher.head)
        self.distill_keypoints = distill_keypoints
        self.teacher_flip = teacher_flip
        self.student_sigma = _sigma(self.head)
        self.teacher_sigma = _sigma(self.teacher.head)
        self._register_state_dict_hook(_drop_teacher_keys)
        self.register_load_state_dict_post_hook(_ignore_missing_teacher_keys)

    def _load_teacher(self) -> None:
        if self.teacher_ckpt is not None:
            with safe_loading():
                load_checkpoint(self.teacher, self.teacher_ckpt, map_location='cpu', strict=True)
        self.teacher.requires_grad_(False)
        self.teacher.eval()

    def init_weights(self) -> None:
        """Initialise the student; the teacher is reloaded from ``teacher_ckpt`` afterwards.

        mmengine's runner calls ``init_weights()`` after building the model, which would
        re-initialise every submodule, the teacher included.
        """
        super().init_weights()
        self._load_teacher()

    def train(self, mode: bool = True) -> 'HeatmapDistiller':
        """Switch the student; the teacher stays in eval mode (frozen BN statistics)."""
        super().train(mode)
        self.teacher.eval()
        return self

    @torch.no_grad()
    def teacher_heatmaps(self, inputs: Tensor,
                         flip_indices: Optional[Sequence[int]] = None) -> Tensor:
        """Teacher heatmaps for a preprocessed student batch (resized to the teacher's input).

        With ``teacher_flip`` they are the flip-test average, which needs the batch's
        ``flip_indices`` (the data samples' metainfo).
        """
        if self.teacher_input_size is not None:
            w, h = self.teacher_input_size
            if tuple(inputs.shape[-2:]) != (h, w):
                inputs = F.interpolate(inputs, size=(h, w), mode='bilinear', align_corners=False)
        if not self.teacher_flip:
            return self.teacher.head.forward(self.teacher.extract_feat(inputs))
        if flip_indices is None:
            raise ValueError('teacher_flip=True needs the flip_indices of the batch '
                             '(PackPoseInputs puts them in the data samples\' metainfo)')
        # one forward for both views: the frozen teacher's eval-mode BN maps each sample alone
        both = self.teacher.head.forward(
            self.teacher.extract_feat(torch.cat([inputs, inputs.flip(-1)])))
        heatmaps, mirrored = both.chunk(2)
        return (heatmaps + _flip_back(self.teacher.head, mirrored, flip_indices,
                                      self.teacher.test_cfg or {})) * 0.5

    def teacher_heatmaps_where(self, inputs: Tensor, needed: Tensor,
                               flip_indices: Optional[Sequence[int]] = None) -> Tensor:
        """Teacher heatmaps for the ``needed`` samples, zeros (weight 0 in every loss) elsewhere.

        With ``distill_keypoints='unlabelled'`` half a semi-supervised batch has no teacher
        term; the frozen teacher (eval-mode BN) maps each sample independently, so skipping
        those saves its forward without changing any loss.
        """
        if bool(needed.all()):
            return self.teacher_heatmaps(inputs, flip_indices)
        some = bool(needed.any())
        # one sample fixes the map shape when no sample needs the teacher
        picked = self.teacher_heatmaps(inputs[needed] if some else inputs[:1], flip_indices)
        teacher = picked.new_zeros((inputs.shape[0], ) + tuple(picked.shape[1:]))
        if some:
            teacher[needed] = picked
        return teacher

    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        """Student ground-truth losses plus one ``loss_distill_*`` term per distillation loss."""
        feats = self.extract_feat(inputs)
        with _capture_forward(self.head) as captured:
            losses = self.head.loss(feats, data_samples, train_cfg=self.train_cfg)
        student = captured[-1]
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in data_samples])
        if self.distill_keypoints == 'all':
            weights = torch.ones_like(weights)
        elif self.distill_keypoints == 'unlabelled':
            weights = 1.0 - weights.clamp(0.0, 1.0)
        teacher = self.teacher_heatmaps_where(inputs, weights.flatten(1).gt(0).any(dim=1),
                                              data_samples[0].metainfo.get('flip_indices'))
        for i, module in enumerate(self.distill_losses):
            losses[f'loss_distill_{i}_{type(module).__name__}'] = module(
                student, teacher, self.student_sigma, self.teacher_sigma, weights)
        return losses


def _flip_back(head: nn.Module, heatmaps: Tensor, flip_indices: Sequence[int],
               test_cfg: dict) -> Tensor:
    """Mirror a flipped crop's maps back the way ``head`` does in flip test."""
    if hasattr(head, 'flip_back'):  # POPoSHead: exact sub-pixel alignment
        return head.flip_back(heatmaps, flip_indices, test_cfg)
    return flip_heatmaps(heatmaps, flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                         flip_indices=flip_indices,
                         shift_heatmap=test_cfg.get('shift_heatmap', False))


@contextlib.contextmanager
def _capture_forward(head: nn.Module) -> Iterator[List[Tensor]]:
    """Record the heatmaps ``head.loss`` computes, so the student head runs once per step.

    mmpose heads call ``self.forward`` directly (no ``__call__``), so a forward hook would
    not fire; the bound method is wrapped for the duration of the call instead.
    """
    captured: List[Tensor] = []
    original = head.forward

    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        captured.append(out)
        return out

    head.forward = forward
    try:
        yield captured
    finally:
        del head.forward  # back to the class method
        if not captured:
            raise RuntimeError(f'{type(head).__name__}.loss did not call forward')


def _drop_teacher_keys(module: nn.Module, state_dict: dict, prefix: str, local_metadata) -> None:
    for key in [k for k in state_dict if k.startswith(prefix + TEACHER_PREFIX)]:
        del state_dict[key]


def _ignore_missing_teacher_keys(module: nn.Module, incompatible) -> None:
    # Student checkpoints (and our own) never contain the teacher: it is loaded from
    # teacher_ckpt at build time.
    incompatible.missing_keys[:] = [k for k in incompatible.missing_keys
                                    if not k.startswith(TEACHER_PREFIX)
                                    and f'.{TEACHER_PREFIX}' not in k]
