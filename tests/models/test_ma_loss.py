"""MultilaterationAnchorLoss against a hand computation and a numpy reference."""
import numpy as np
import pytest
import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS

import popos  # noqa: F401
from popos.models.losses import MultilaterationAnchorLoss, anchor_mask


def test_hand_computed_small_example():
    target = torch.tensor([[[[0.0, 0.2], [0.9, 0.5]]]])        # (1,1,2,2)
    output = torch.tensor([[[[0.1, 0.0], [0.5, 0.5]]]])
    loss = MultilaterationAnchorLoss(anchor_weight=2.0, mse_weight=1.0, topk=2)
    # MSE over 4 cells: (0.01 + 0.04 + 0.16 + 0) / 4 = 0.0525
    # anchors = 2 strongest target cells (0.9, 0.5): errors 0.16, 0 -> mean 0.08
    expected = 0.0525 + 2.0 * 0.08
    assert loss(output, target, torch.ones(1, 1)).item() == pytest.approx(expected, rel=1e-6)
    thr = MultilaterationAnchorLoss(anchor_weight=1.0, mse_weight=0.0, mask_mode='threshold',
                                    threshold=0.1)
    # cells > 0.1: 0.2, 0.9, 0.5 -> (0.04 + 0.16 + 0) / 3
    assert thr(output, target).item() == pytest.approx(0.2 / 3, rel=1e-6)


def _np_anchor_cells(target: np.ndarray, n: int) -> np.ndarray:
    """The n largest cells of each target map (by a stable argsort); none on an empty map."""
    b, k = target.shape[:2]
    flat = target.reshape(b, k, -1)
    cells = np.zeros_like(flat)
    for i in range(b):
        for j in range(k):
            if flat[i, j].max() > 0:
                cells[i, j, np.argsort(-flat[i, j], kind='stable')[:n]] = 1.0
    return cells.reshape(target.shape)


def _np_ma_loss(output, target, weights, n, mask=None, anchor_weight=1.0, mse_weight=1.0,
                loss_weight=1.0) -> float:
    """The documented loss: weighted whole-map MSE + weighted mean error on the anchors."""
    sq = (output - target)**2
    keep = weights[..., None, None] * (1.0 if mask is None else mask)
    mse = np.mean(sq * keep)
    cells = _np_anchor_cells(target, n) * keep
    anchor = (sq * cells).sum() / cells.sum() if cells.sum() else 0.0
    return loss_weight * (mse_weight * mse + anchor_weight * anchor)


def _rand(seed: int, shape=(2, 3, 8, 8)):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, shape), rng.uniform(0, 1, shape)


def test_target_weights_and_empty_targets():
    output, target = _rand(0)
    target[1, 2] = 0                                   # an invisible keypoint: no anchors
    weights = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    mask = anchor_mask(torch.from_numpy(target), 'topk', topk=5).numpy()
    np.testing.assert_array_equal(mask, _np_anchor_cells(target, 5))
    assert mask[0, 0].sum() == 5 and mask[1, 2].sum() == 0
    loss = MultilaterationAnchorLoss(mse_weight=0.0, topk=5)
    got = loss(torch.from_numpy(output), torch.from_numpy(target), torch.from_numpy(weights))
    want = _np_ma_loss(output, target, weights, 5, mse_weight=0.0)
    assert got.item() == pytest.approx(want, rel=1e-9)


def test_default_topk_is_the_decoders_k_for_the_map_size():
    output, target = _rand(1)
    weights = np.ones((2, 3))
    got = MultilaterationAnchorLoss(mse_weight=0.0)(torch.from_numpy(output),
                                                    torch.from_numpy(target))
    # the released POPoS decoder reads 15 anchors on an 8x8 map
    assert got.item() == pytest.approx(_np_ma_loss(output, target, weights, 15, mse_weight=0.0),
                                       rel=1e-9)


@pytest.mark.parametrize('mask_channels', [1, 3])
def test_pixel_mask_and_loss_weight(mask_channels):
    output, target = _rand(2)
    rng = np.random.default_rng(3)
    weights = rng.uniform(0.5, 1, (2, 3))
    mask = (rng.uniform(size=(2, mask_channels, 8, 8)) > 0.3).astype(np.float64)
    loss = MultilaterationAnchorLoss(anchor_weight=2.0, mse_weight=0.5, topk=6, loss_weight=0.3)
    got = loss(torch.from_numpy(output), torch.from_numpy(target), torch.from_numpy(weights),
               torch.from_numpy(mask))
    want = _np_ma_loss(output, target, weights, 6, mask, anchor_weight=2.0, mse_weight=0.5,
                       loss_weight=0.3)
    assert got.item() == pytest.approx(want, rel=1e-9)
    # the mask matters: anchors it hides carry no error
    unmasked = _np_ma_loss(output, target, weights, 6, anchor_weight=2.0, mse_weight=0.5,
                           loss_weight=0.3)
    assert want != pytest.approx(unmasked, rel=1e-3)


def test_output_and_target_of_different_shapes_are_refused():
    loss = MultilaterationAnchorLoss()
    with pytest.raises(ValueError, match=r'output \(1, 2, 8, 8\) and target \(1, 2, 4, 4\)'):
        loss(torch.rand(1, 2, 8, 8), torch.rand(1, 2, 4, 4))


def test_use_target_weight_false_ignores_the_weights_in_both_terms():
    output, target = _rand(4)
    weights = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    loss = MultilaterationAnchorLoss(topk=5, use_target_weight=False)
    got = loss(torch.from_numpy(output), torch.from_numpy(target), torch.from_numpy(weights))
    assert got.item() == pytest.approx(_np_ma_loss(output, target, np.ones((2, 3)), 5), rel=1e-9)


def test_anchor_term_is_a_weighted_mean_for_small_weights_and_zero_without_anchors():
    output, target = _rand(5, (1, 2, 8, 8))
    weights = np.array([[0.1, 0.0]])                  # sums below 1 over the anchors
    loss = MultilaterationAnchorLoss(mse_weight=0.0, topk=5)
    got = loss(torch.from_numpy(output), torch.from_numpy(target), torch.from_numpy(weights))
    assert got.item() == pytest.approx(_np_ma_loss(output, target, weights, 5, mse_weight=0.0),
                                       rel=1e-9)
    none = loss(torch.from_numpy(output), torch.from_numpy(target), torch.zeros(1, 2))
    assert none.item() == 0.0


def test_mse_part_is_mmpose_keypoint_mse_and_gradients_flow():
    target, output = torch.rand(2, 4, 16, 16), torch.rand(2, 4, 16, 16, requires_grad=True)
    w = torch.rand(2, 4)
    only_mse = MultilaterationAnchorLoss(anchor_weight=0.0)
    ref = KeypointMSELoss(use_target_weight=True)(output, target, w)
    assert only_mse(output, target, w).item() == pytest.approx(ref.item(), rel=1e-6)
    full = MODELS.build(dict(type='MultilaterationAnchorLoss', anchor_weight=1.0))
    full(output, target, w).backward()
    assert output.grad is not None and output.grad.abs().sum() > 0


def test_bad_config_raises():
    with pytest.raises(ValueError, match='mask_mode'):
        MultilaterationAnchorLoss(mask_mode='gaussian')
