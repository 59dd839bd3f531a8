"""Batched solvers for tiny linear systems.

``torch.linalg`` has no ONNX/TFLite lowering, so exported graphs use the unrolled versions
(elementwise ops and constant-index gathers, batched over any leading dimensions); eager
decoding uses ``torch.linalg``, whose one call costs less than the dozens of elementwise ops
of the unrolled solvers on a single face.
"""
import itertools
from typing import Tuple

import numpy as np
import torch
from torch import Tensor

# Relative diagonal damping of the pseudo-range normal equations (folded into the moment
# table, see pseudorange.build_disc_tables).
RIDGE = 1e-6


def solve_2x2(a: Tensor, b: Tensor, eps: float = 1e-12) -> Tensor:
    """Solve ``a x = b`` for (..., 2, 2) ``a`` and (..., 2) ``b`` by Cramer's rule.

    Singular systems return zeros instead of inf/NaN (the caller treats a zero
    update as "no step").
    """
    a00, a01 = a[..., 0, 0], a[..., 0, 1]
    a10, a11 = a[..., 1, 0], a[..., 1, 1]
    det = a00 * a11 - a01 * a10
    ok = det.abs() > eps
    safe_det = torch.where(ok, det, torch.ones_like(det))
    x0 = (a11 * b[..., 0] - a01 * b[..., 1]) / safe_det
    x1 = (a00 * b[..., 1] - a10 * b[..., 0]) / safe_det
    x = torch.stack([x0, x1], dim=-1)
    return torch.where(ok.unsqueeze(-1), x, torch.zeros_like(x))


def _cramer_tables() -> Tuple[np.ndarray, np.ndarray]:
    """Index (480,) and sign (120, 5) tables of the five 4x4 determinants of [A | b].

    Determinant 0 is det A, determinant i + 1 that of A with column i replaced by b; each is a
    sum of 24 signed products of 4 entries of the row-major (4 x 5) augmented matrix.
    """
    index, sign = [], np.zeros((120, 5), np.float32)
    for d in range(5):
        cols = [4 if c == d - 1 else c for c in range(4)]
        for t, perm in enumerate(itertools.permutations(range(4))):
            inversions = sum(perm[i] > perm[j] for i in range(4) for j in range(i + 1, 4))
            sign[24 * d + t, d] = -1.0 if inversions % 2 else 1.0
            index.append([5 * r + cols[perm[r]] for r in range(4)])
    # factor-major: entry f * 120 + term is factor f of that term
    # int32: exported graphs hold it as a constant (half the bytes of int64)
    return np.asarray(index, np.int32).T.reshape(-1), sign


_CRAMER_INDEX, _CRAMER_SIGN = _cramer_tables()


def solve_augmented(aug: Tensor, unrolled: bool = True) -> Tensor:
    """Solve (B, 20) augmented SPD systems ``[A | b]`` (4 rows of 5, row-major) -> (B, 4) ``x``.

    Eager (``unrolled=False``): one ``torch.linalg.solve_ex`` (LU without error checks).
    Unrolled (export): Cramer's rule as one constant-index gather, the product of the four
    factors and one matmul with the signs (about a dozen graph nodes; taking the rows flat
    spares the graph a reshape each way). A singular system gives non-finite values either
    way, which callers reject.
    """
    if not unrolled:
        rows = aug.view(-1, 4, 5)
        # a (..., 4) right-hand side is a batch of vectors for torch.linalg: no squeeze
        return torch.linalg.solve_ex(rows[..., :4], rows[..., 4])[0]
    # x does not change when a system is scaled; the products of four entries do, and the
    # Cauchy pass's weights reach ~1e10 on a noise-free map: scaled to A_44 = 1 they stay in
    # float32 range (a zero A_44, no weight at all, gives NaN: rejected)
    flat = aug / aug[:, 18:19]
    index = torch.tensor(_CRAMER_INDEX, device=aug.device)
    sign = torch.tensor(_CRAMER_SIGN.T, dtype=aug.dtype, device=aug.device)        # (5, 120)
    # systems along the last axis: the gather takes whole rows and the four factors are
    # contiguous slices, taken by one split (a gather along axis 1 and a ReduceProd cost ~10x
    # in onnxruntime, a gather per factor one graph node each)
    f0, f1, f2, f3 = flat.t().index_select(0, index).split(120, 0)
    det, num = torch.matmul(sign, f0 * f1 * f2 * f3).split([1, 4], 0)            # (1|4, B)
    return (num / det).t()
