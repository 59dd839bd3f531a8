"""MultilaterationAnchorLoss against a hand computation."""
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


def test_target_weights_and_empty_targets():
    target = torch.rand(2, 3, 8, 8)
    target[1, 2] = 0
    output = torch.rand(2, 3, 8, 8)
    weights = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    mask = anchor_mask(target, 'topk', topk=5)
    assert mask[0, 0].sum() == 5 and mask[1, 2].sum() == 0
    loss = MultilaterationAnchorLoss(mse_weight=0.0, topk=5)
    cells = mask * weights[..., None, None]
    ref = ((output - target) ** 2 * cells).sum() / cells.sum()
    assert loss(output, target, weights).item() == pytest.approx(ref.item(), rel=1e-6)


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
