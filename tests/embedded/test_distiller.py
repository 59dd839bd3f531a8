"""HeatmapDistiller: build, frozen teacher, distillation terms, gradient flow, runner."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import popos  # noqa: F401
import popos.models.distillers  # noqa: F401
from popos.codecs import POPoSHeatmap
from popos.models.distillers import (TeacherHeatmapMSELoss, TeacherPseudoLabelLoss,
                                     distance_maps, render_gaussians, resize_teacher_heatmaps,
                                     widen_gaussians)

from .helpers import tiny_distiller, tiny_student, tiny_teacher


def _batch(n: int = 2, k: int = 98):
    codec = POPoSHeatmap(input_size=(64, 64), heatmap_size=(4, 4), sigma=1.0)
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(n):
        kpts = rng.uniform(8, 56, (1, k, 2)).astype(np.float32)
        enc = codec.encode(kpts)
        ds = PoseDataSample(metainfo=dict(input_size=(64, 64), flip_indices=list(range(k))))
        ds.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        ds.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        samples.append(ds)
    return torch.randn(n, 3, 64, 64), samples


def test_builds_with_frozen_teacher_and_student_only_state_dict():
    model = MODELS.build(tiny_distiller())
    model.train()
    assert not model.teacher.training, 'teacher must stay in eval mode under model.train()'
    assert all(not p.requires_grad for p in model.teacher.parameters())
    assert any(p.requires_grad for p in model.backbone.parameters())
    keys = model.state_dict().keys()
    assert keys and not any(k.startswith('teacher.') for k in keys)
    # the distiller's state dict loads into the plain student, strictly
    student = MODELS.build(tiny_student())
    student.load_state_dict(model.state_dict(), strict=True)
    # and a student state dict loads back into a distiller (teacher keys are not "missing")
    MODELS.build(tiny_distiller()).load_state_dict(student.state_dict(), strict=True)


def test_loss_terms_and_gradients_reach_the_student_only():
    model = MODELS.build(tiny_distiller())
    model.train()
    teacher_bn = model.teacher.backbone.body.conv1.bn.running_mean.clone()
    inputs, samples = _batch()
    losses = model.loss(inputs, samples)
    distill = [k for k in losses if k.startswith('loss_distill_')]
    assert distill == ['loss_distill_0_TeacherHeatmapMSELoss',
                       'loss_distill_1_TeacherDistanceMapLoss']
    assert 'loss_kpt' in losses
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    head_grad = model.head.final_layer.weight.grad
    assert head_grad is not None and head_grad.abs().sum() > 0
    # the teacher's BN statistics are not updated by the student's batches
    assert torch.equal(model.teacher.backbone.body.conv1.bn.running_mean, teacher_bn)


def test_distill_loss_alone_moves_student_towards_teacher():
    """The distillation term has a gradient that reduces itself (not just finite)."""
    model = MODELS.build(tiny_distiller())
    model.train()
    inputs, samples = _batch()
    optim = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    first = None
    for _ in range(15):
        losses = model.loss(inputs, samples)
        loss = losses['loss_distill_0_TeacherHeatmapMSELoss']
        first = loss.item() if first is None else first
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert loss.item() < 0.5 * first


def test_distill_keypoints_selects_where_the_teacher_terms_apply():
    """'visible': GT-visible landmarks only; 'all': every one; 'unlabelled': those without GT."""
    inputs, samples = _batch()
    samples[1].gt_instance_labels.keypoint_weights.zero_()      # an unlabelled face
    names = ['loss_distill_0_TeacherHeatmapMSELoss', 'loss_distill_1_TeacherDistanceMapLoss']
    torch.manual_seed(0)
    model = MODELS.build(tiny_distiller(distill_keypoints='all'))
    model.train()
    student = model.head.forward(model.extract_feat(inputs))
    teacher = model.teacher_heatmaps(inputs)
    face = torch.tensor([[1.0], [0.0]]).expand(2, 98)            # labelled face 0, unlabelled 1
    masks = dict(visible=face, all=torch.ones(2, 98), unlabelled=1.0 - face)
    for mode, mask in masks.items():
        torch.manual_seed(0)
        model = MODELS.build(tiny_distiller(distill_keypoints=mode))
        model.train()
        losses = model.loss(inputs, samples)
        for i, name in enumerate(names):
            want = model.distill_losses[i](student, teacher, model.student_sigma,
                                           model.teacher_sigma, mask)
            torch.testing.assert_close(losses[name], want)
            assert float(losses[name]) > 0.0
    # a sample without labels carries no GT loss under any mode
    for ds in samples:
        ds.gt_instance_labels.keypoint_weights.zero_()
    torch.manual_seed(0)
    model = MODELS.build(tiny_distiller(distill_keypoints='visible'))
    model.train()
    losses = model.loss(inputs, samples)
    assert float(losses['loss_kpt']) == 0.0
    assert all(float(losses[n]) == 0.0 for n in names)
    with pytest.raises(ValueError, match='distill_keypoints'):
        MODELS.build(tiny_distiller(distill_keypoints='some'))


def test_teacher_runs_only_on_samples_that_need_it():
    """Skipped samples get zero maps; the others equal a full-batch teacher pass."""
    model = MODELS.build(tiny_distiller())
    inputs = torch.randn(3, 3, 64, 64)
    seen = []
    model.teacher.backbone.register_forward_hook(lambda m, i, o: seen.append(i[0].shape[0]))
    full = model.teacher_heatmaps(inputs)
    needed = torch.tensor([True, False, True])
    part = model.teacher_heatmaps_where(inputs, needed)
    torch.testing.assert_close(part[needed], full[needed])
    assert not part[1].any()
    none = model.teacher_heatmaps_where(inputs, torch.zeros(3, dtype=torch.bool))
    assert none.shape == full.shape and not none.any()
    assert seen == [3, 2, 1]


@pytest.mark.parametrize('teacher_head', ['POPoSHead', 'HeatmapHead'])
def test_teacher_flip_equals_the_teachers_own_flip_test(teacher_head):
    """teacher_flip maps == the teacher head's flip-test average (its predict path)."""
    cfg = tiny_distiller(teacher_flip=True)
    head = cfg['teacher_cfg']['model']['head']
    if teacher_head == 'HeatmapHead':
        head.update(type='HeatmapHead', loss=dict(type='KeypointMSELoss'))
    cfg['teacher_cfg']['model']['test_cfg'] = dict(flip_test=True, shift_heatmap=True)
    model = MODELS.build(cfg)
    inputs, samples = _batch(3)
    flip_indices = list(range(97, -1, -1))
    for sample in samples:
        sample.set_metainfo(dict(flip_indices=flip_indices))
    got = model.teacher_heatmaps(inputs, flip_indices)
    teacher = model.teacher
    with torch.no_grad():
        feats = [teacher.extract_feat(inputs), teacher.extract_feat(inputs.flip(-1))]
        _, maps = teacher.head.predict(feats, samples,
                                       test_cfg=dict(teacher.test_cfg, output_heatmaps=True))
    torch.testing.assert_close(got, torch.stack([m.heatmaps for m in maps]))
    model.teacher_flip = False
    assert not torch.allclose(model.teacher_heatmaps(inputs), got)
    model.teacher_flip = True
    needed = torch.tensor([False, True, True])
    torch.testing.assert_close(
        model.teacher_heatmaps_where(inputs, needed, flip_indices)[needed], got[needed])
    with pytest.raises(ValueError, match='flip_indices'):
        model.teacher_heatmaps(inputs)
    losses = model.loss(inputs, samples)  # the loss path reads flip_indices from the samples
    assert all(torch.isfinite(v) for k, v in losses.items() if 'loss' in k)


def test_teacher_checkpoint_is_loaded(tmp_path):
    teacher = MODELS.build(tiny_teacher())
    with torch.no_grad():
        teacher.head.final_layer.weight.fill_(0.123)
    path = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta=dict()), path)
    model = MODELS.build(tiny_distiller(teacher_ckpt=path))
    want = torch.full_like(model.teacher.head.final_layer.weight, 0.123)
    assert torch.allclose(model.teacher.head.final_layer.weight, want)
    # the runner calls init_weights() after building: the teacher must survive it
    model.init_weights()
    assert torch.allclose(model.teacher.head.final_layer.weight, want)
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='teacher_ckpt is None'):
        MODELS.build(dict(tiny_distiller(), allow_random_teacher=False))
    with pytest.raises(ValueError, match='distill_losses is empty'):
        MODELS.build(dict(tiny_distiller(), distill_losses=[]))
    bad = tiny_distiller()
    bad['teacher_cfg']['model']['data_preprocessor'] = dict(
        bad['teacher_cfg']['model']['data_preprocessor'], mean=[0, 0, 0])
    with pytest.raises(ValueError, match='normalise images differently'):
        MODELS.build(bad)


def test_resize_is_msra_aligned_and_distance_is_gaussian_inverse():
    # an 8x8 Gaussian centred at teacher px (4, 2) -> 4x4 student map centred at (2, 1)
    ys, xs = torch.meshgrid(torch.arange(8.), torch.arange(8.), indexing='ij')
    hm = torch.exp(-((xs - 4)**2 + (ys - 2)**2) / (2 * 1.5**2))[None, None]
    small = resize_teacher_heatmaps(hm, (4, 4))
    assert small[0, 0].flatten().argmax().item() == 1 * 4 + 2
    assert torch.allclose(small[0, 0], hm[0, 0, ::2, ::2], atol=1e-6)
    d = distance_maps(hm, sigma=1.5, clip_floor=1e-6)
    want = torch.sqrt((xs - 4)**2 + (ys - 2)**2)
    assert torch.allclose(d[0, 0], want, atol=1e-2)
    with pytest.raises(ValueError, match='resize mode'):
        resize_teacher_heatmaps(hm, (4, 4), mode='nearest')
    assert math.isclose(float(distance_maps(torch.ones(1), 1.0, 1e-3)), 1e-3, rel_tol=1e-3)


KD_CONFIG = 'td-hm_mobilenetv2-0.35_popos-kd-hrnetv2-w18s-1xb64-30e_synthetic-wflw-64x64-hm4.py'


def distiller_variant(cfg, name: str, data_root: str, repo_root: str):
    """The distillation config turned into the variants docs/embedded.md describes:
    unlabelled faces (teacher losses on every landmark), pseudo-labels on the unlabelled faces
    only from a labelled subset, and a flip-test teacher."""
    if name == 'kd':
        return cfg
    metainfo = dict(from_file=osp.join(repo_root, 'configs/_base_/datasets/wflw.py'))
    labelled = dict(type='WFLWDataset', data_root=data_root, data_mode='topdown',
                    ann_file='annotations/face_landmarks_wflw_train.json',
                    data_prefix=dict(img='images/'), pipeline=[])
    unlabelled = dict(type='UnlabelledFaceDataset', metainfo=metainfo, data_root=data_root,
                      ann_file='annotations/face_landmarks_wflw_train.json',
                      data_prefix=dict(img='images/'), pipeline=[])
    pipeline = cfg.train_dataloader.dataset.pipeline
    cfg.model.distill_keypoints = 'all'
    if name.startswith('kd-pl'):
        labelled['indices'] = 6
    cfg.train_dataloader.dataset = dict(type='CombinedDataset', metainfo=metainfo,
                                        datasets=[labelled, unlabelled], pipeline=pipeline)
    if name.startswith('kd-pl'):
        cfg.model.distill_keypoints = 'unlabelled'
        cfg.model.distill_losses = [dict(type='TeacherPseudoLabelLoss', loss_weight=1.0)]
        cfg.train_dataloader.sampler = dict(type='MultiSourceSampler', batch_size=4,
                                            source_ratio=[1, 1], shuffle=True)
    if name == 'kd-pl-flip':  # flip_indices reach the teacher from the packed samples
        cfg.model.teacher_flip = True
    return cfg


@pytest.mark.parametrize('name', ['kd', 'kd-unlabelled', 'kd-pl', 'kd-pl-flip'])
def test_distiller_config_trains_through_the_runner(name, tiny_wflw, tmp_path, repo_root):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(repo_root, 'configs/embedded', KD_CONFIG))
    cfg = distiller_variant(cfg, name, tiny_wflw + '/', repo_root)
    cfg.model.teacher_cfg = dict(model=tiny_teacher())
    cfg.model.teacher_ckpt = None
    cfg.model.allow_random_teacher = True
    cfg.model.teacher_input_size = (64, 64)
    for split in ('train', 'val', 'test'):
        dl = cfg[f'{split}_dataloader']
        for dataset in dl.dataset.get('datasets', [dl.dataset]):
            dataset.data_root = tiny_wflw + '/'
        dl.update(batch_size=4, num_workers=0, persistent_workers=False)
    if name.startswith('kd-pl'):
        assert cfg.train_dataloader.dataset.datasets[0].indices == 6
    cfg.train_cfg = dict(by_epoch=False, max_iters=3, val_interval=3)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=3, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = torch.load(osp.join(str(tmp_path), 'iter_3.pth'), map_location='cpu',
                      weights_only=True)
    assert ckpt['state_dict'] and not any(k.startswith('teacher.') for k in ckpt['state_dict'])
    scalars = runner.message_hub.log_scalars
    term = ('loss_distill_0_TeacherPseudoLabelLoss' if name.startswith('kd-pl') else
            'loss_distill_1_TeacherDistanceMapLoss')
    assert f'train/{term}' in scalars
    assert 'val/NME' in scalars or any('NME' in k for k in scalars)


def _gauss(size: int, cx: float, cy: float, sigma: float) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float64),
                            torch.arange(size, dtype=torch.float64), indexing='ij')
    return torch.exp(-((xs - cx)**2 + (ys - cy)**2) / (2 * sigma**2))[None, None]


def test_higher_resolution_teacher_is_rerendered_at_the_student_sigma():
    """16x16 teacher (sigma 1.5) -> 8x8 student target equals the student's own Gaussian."""
    teacher = _gauss(16, 7.4, 8.2, 1.5)
    widened = widen_gaussians(teacher, 1.5, 3.0)
    torch.testing.assert_close(widened[..., 4:12, 4:12], _gauss(16, 7.4, 8.2, 3.0)[..., 4:12, 4:12],
                               atol=2e-3, rtol=0)
    loss = TeacherHeatmapMSELoss()
    student = _gauss(8, 3.7, 4.1, 1.5)        # the same point in student px (x / 2)
    assert loss(student, teacher, 1.5, 1.5).item() < 1e-5
    # a teacher background of +0.001 noise stays small (the power 0.25 made it 0.18)
    noisy = teacher + 1e-3
    target_err = loss(student, noisy, 1.5, 1.5).item()
    assert target_err < 1e-4
    with pytest.raises(ValueError, match='only widen'):
        widen_gaussians(teacher, 2.0, 1.0)


def test_render_gaussians_equals_mmpose_unbiased_targets():
    from mmpose.codecs.utils import generate_unbiased_gaussian_heatmaps
    rng = np.random.default_rng(3)
    kpts = rng.uniform(-1, 9, (2, 5, 2)).astype(np.float32)
    want = np.stack([generate_unbiased_gaussian_heatmaps((8, 6), k[None], np.ones((1, 5)), 1.5)[0]
                     for k in kpts])
    got = render_gaussians(torch.from_numpy(kpts), (6, 8), 1.5)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-6)


def test_pseudo_label_loss_targets_the_student_gaussian_at_the_teacher_landmark():
    """16x16 teacher (sigma 1.5) at (7.4, 8.2) -> the 8x8 student target at (3.7, 4.1),
    sigma 1.0."""
    teacher = _gauss(16, 7.4, 8.2, 1.5).float().expand(2, 3, 16, 16).contiguous()
    mse = dict(type='KeypointMSELoss', use_target_weight=True)
    loss = TeacherPseudoLabelLoss(loss=mse, decode_cfg={})
    exact = _gauss(8, 3.7, 4.1, 1.0).float().expand(2, 3, 8, 8)
    assert loss(exact, teacher, 1.0, 1.5).item() < 1e-8
    # against the closed form: MSE of a student map to that Gaussian
    student = torch.rand(2, 3, 8, 8)
    want = ((student - exact)**2).mean()
    torch.testing.assert_close(loss(student, teacher, 1.0, 1.5), want, atol=1e-6, rtol=1e-5)
    # invisible landmarks and flat (score 0) teacher maps carry no loss
    weights = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    flat = teacher.clone()
    flat[1, 2] = 0.0
    per_kpt = ((student - exact)**2).mean((2, 3))
    mask = weights.clone()
    mask[1, 2] = 0.0
    want = (per_kpt * mask).mean()
    torch.testing.assert_close(loss(student, flat, 1.0, 1.5, weights), want, atol=1e-6, rtol=1e-5)
    with pytest.raises(RuntimeError, match='no heatmap loss'):
        TeacherPseudoLabelLoss()(student, teacher, 1.0, 1.5)


def test_pseudo_label_loss_binds_the_student_loss_and_the_teacher_decoder():
    model = MODELS.build(tiny_distiller(
        distill_losses=[dict(type='TeacherPseudoLabelLoss')], distill_keypoints='all'))
    module = model.distill_losses[0]
    assert module.loss is model.head.loss_module
    assert module.decode_cfg == model.teacher.head.decoder.decode_cfg
    # the bound loss is not a second copy in the state dict
    assert not any('distill_losses' in k for k in model.state_dict())
    inputs, samples = _batch()
    for ds in samples:
        ds.gt_instance_labels.keypoint_weights.zero_()
    model.train()
    losses = model.loss(inputs, samples)
    assert float(losses['loss_kpt']) == 0.0
    term = losses['loss_distill_0_TeacherPseudoLabelLoss']
    assert term.item() > 0
    term.backward()
    assert model.head.final_layer.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.parameters())


def _np_resize(maps: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Numpy resampling of square (B, K, T, T) maps to (B, K, size, size).

    ``'bilinear'``: student px ``u`` reads teacher px ``u * T / size`` (MSRA alignment),
    clamped to the last pixel; ``'area'``: the mean of each ``T / size`` block.
    """
    t = maps.shape[-1]
    if mode == 'area':
        r = t // size
        assert r * size == t, 'the reference handles integer area ratios only'
        return maps.reshape(*maps.shape[:2], size, r, size, r).mean(axis=(3, 5))
    pos = np.minimum(np.arange(size) * t / size, t - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    f = pos - lo
    rows = maps[..., lo, :] * (1 - f)[:, None] + maps[..., hi, :] * f[:, None]
    return rows[..., lo] * (1 - f) + rows[..., hi] * f


def _np_ranges(maps: np.ndarray, sigma: float, floor: float) -> np.ndarray:
    # the 1e-6 is the implementation's gradient guard inside the square root
    return np.sqrt(-2 * sigma**2 * np.log(np.clip(maps, floor, 1.0)) + 1e-6)


@pytest.mark.parametrize('teacher_px, student_px, mode, topk, want_k', [
    (6, 4, 'bilinear', None, 10),    # non-integer ratio; POPoS K at 4x4 is 10
    (8, 4, 'area', 5, 5),
    (4, 8, 'bilinear', None, 15),    # a teacher coarser than the student; K at 8x8 is 15
    (8, 4, 'bilinear', 100, 16),     # K capped at H*W
])
def test_distance_map_loss_equals_a_numpy_reference(teacher_px, student_px, mode, topk, want_k):
    from popos.models.distillers import TeacherDistanceMapLoss
    rng = np.random.default_rng(7)
    b, k, sigma_s, sigma_t, floor = 2, 3, 1.0, 1.5, 1e-3
    # values below the clip floor and above 1 exercise both ends of the clip
    student = rng.uniform(-0.05, 1.1, (b, k, student_px, student_px))
    teacher = rng.uniform(0.0, 1.0, (b, k, teacher_px, teacher_px))
    teacher[0, 0, 0, :2] = 1e-5
    # Upsampling replicates the last teacher row and column (border clamp): keep those
    # plateaus out of the anchors, where a tie would make the top-K set ambiguous.
    teacher[..., -1, :] *= 0.05
    teacher[..., :, -1] *= 0.05
    weights = rng.uniform(0, 1, (b, k))
    weights[1, 2] = 0.0

    target = _np_resize(teacher, student_px, mode)
    ratio = student_px / teacher_px                   # student px per teacher px
    d_t = _np_ranges(target, sigma_t, floor) * ratio
    d_s = _np_ranges(student, sigma_s, floor)
    per_kpt = np.empty((b, k))
    for i in range(b):
        for j in range(k):
            order = np.argsort(-target[i, j].ravel(), kind='stable')
            anchors = order[:want_k]
            if want_k < order.size:
                assert target[i, j].ravel()[order[want_k - 1]] > target[i, j].ravel()[order[want_k]]
            per_kpt[i, j] = np.mean((d_s[i, j].ravel()[anchors] - d_t[i, j].ravel()[anchors])**2)
    want = 0.3 * np.mean(per_kpt * weights)

    loss = TeacherDistanceMapLoss(topk=topk, clip_floor=floor, resize_mode=mode, loss_weight=0.3)
    got = loss(torch.from_numpy(student), torch.from_numpy(teacher), sigma_s, sigma_t,
               torch.from_numpy(weights))
    assert got.item() == pytest.approx(want, rel=1e-6)
    unweighted = loss(torch.from_numpy(student), torch.from_numpy(teacher), sigma_s, sigma_t)
    assert unweighted.item() == pytest.approx(0.3 * per_kpt.mean(), rel=1e-6)


def test_distance_map_loss_is_zero_for_the_same_point_and_refuses_bad_config():
    """A 16x16 teacher and an 8x8 student drawing the same landmark have equal ranges."""
    from popos.models.distillers import TeacherDistanceMapLoss
    teacher = _gauss(16, 7.4, 8.2, 3.0)
    student = _gauss(8, 3.7, 4.1, 1.5)               # the same point and width in student px
    assert TeacherDistanceMapLoss(topk=20)(student, teacher, 1.5, 3.0).item() < 1e-8
    with pytest.raises(ValueError, match='clip_floor'):
        TeacherDistanceMapLoss(clip_floor=0.0)
    with pytest.raises(ValueError, match='resize_mode'):
        TeacherDistanceMapLoss(resize_mode='nearest')


def test_heatmap_mse_narrows_a_wider_teacher_to_the_student_gaussian():
    """r * sigma_t > sigma_s: the teacher target is the student-sigma Gaussian, exactly."""
    rng = np.random.default_rng(1)
    loss = TeacherHeatmapMSELoss()
    # same resolution, sigma 2 -> 1.5
    exact = _gauss(8, 3.3, 4.6, 1.5)
    assert loss(exact, _gauss(8, 3.3, 4.6, 2.0), 1.5, 2.0).item() < 1e-12
    # 16x16 teacher at sigma 3 (1.5 student px) -> 8x8 student at sigma 1
    teacher = _gauss(16, 7.4, 8.2, 3.0)
    exact = _gauss(8, 3.7, 4.1, 1.0)
    student = torch.from_numpy(rng.uniform(0, 1, (1, 1, 8, 8)))
    want = float(((student - exact)**2).mean())
    assert loss(student, teacher, 1.0, 3.0).item() == pytest.approx(want, rel=1e-9)
    # without match_sigma the target is the resampled teacher as it is
    wide = teacher[..., ::2, ::2]
    want = float(((student - wide)**2).mean())
    got = TeacherHeatmapMSELoss(match_sigma=False)(student, teacher, 1.0, 3.0)
    assert got.item() == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize('mode', ['bilinear', 'area'])
def test_heatmap_mse_equals_a_numpy_reference_with_keypoint_weights(mode):
    rng = np.random.default_rng(2)
    b, k = 2, 3
    student = rng.uniform(-0.1, 1, (b, k, 4, 4))
    teacher = rng.uniform(0, 1, (b, k, 8, 8))
    weights = np.array([[1.0, 0.0, 0.5], [0.2, 1.0, 1.0]])
    # r * sigma_t == sigma_s: neither widened nor narrowed, only resampled
    target = _np_resize(teacher, 4, mode)
    want = 0.7 * np.mean(((student - target)**2).mean(axis=(2, 3)) * weights)
    loss = TeacherHeatmapMSELoss(resize_mode=mode, loss_weight=0.7)
    got = loss(torch.from_numpy(student), torch.from_numpy(teacher), 1.0, 2.0,
               torch.from_numpy(weights))
    assert got.item() == pytest.approx(want, rel=1e-9)
    with pytest.raises(ValueError, match='resize_mode'):
        TeacherHeatmapMSELoss(resize_mode='nearest')


def test_teacher_losses_refuse_maps_of_another_aspect_ratio():
    from popos.models.distillers.losses import TeacherDistanceMapLoss, TeacherHeatmapMSELoss
    student, teacher = torch.rand(1, 2, 8, 8), torch.rand(1, 2, 8, 16)
    for loss in (TeacherHeatmapMSELoss(), TeacherDistanceMapLoss()):
        with pytest.raises(ValueError, match='aspect ratio'):
            loss(student, teacher, 1.5, 3.0)
