"""Batched solvers for tiny linear systems.

``torch.linalg`` has no ONNX/TFLite lowering, so exported graphs use the unrolled versions
(elementwise ops and constant-index gathers, batched over any leading dimensions); eager
decoding uses ``torch.linalg``, whose one call costs less than the dozens of elementwise ops
of the unrolled solvers on a single face.
"""
import itertools
from typing import Optional, Tuple

import numpy as np
import torch
from torch import Tensor

# Relative diagonal damping of the pseudo-range normal equations (folded into the moment
# table, see pseudorange.build_disc_tables).
RIDGE = 1e-6
# A system with no weight (A_44 = 0) is scaled by this instead (solve_augmented).
TINY = 1e-30


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


def _laplace_tables() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables of the five 4x4 determinants of [A | b] by Laplace expansion along rows 0-1.

    Determinant 0 is det A, determinant d + 1 that of A with column d replaced by b. Each is
    a signed sum of 6 products ``M01 * M23`` of 2x2 minors of rows 0-1 and of rows 2-3 on
    complementary columns, out of the 10 + 10 minors ``X[r, i] X[s, j] - X[r, j] X[s, i]``
    (i < j) of the row-major (4 x 5) augmented matrix. Returns the (80,) entry index of the
    minors' four factors (factor-major), the (60,) minor index of the 30 products' two
    factors, and their (5, 30) signs. int32 index tables: exported graphs hold them as
    constants (half the bytes of int64).
    """
    pairs = list(itertools.combinations(range(5), 2))
    factors = [[5 * r + i, 5 * s + j, 5 * r + j, 5 * s + i] for r, s in ((0, 1), (2, 3))
               for i, j in pairs]                                                 # (20, 4)
    left, right, sign = [], [], np.zeros((5, 30), np.float32)
    for d in range(5):
        cols = [4 if c == d - 1 else c for c in range(4)]
        for p, q in itertools.combinations(range(4), 2):
            r, t = (c for c in range(4) if c not in (p, q))
            # the minors are stored for increasing column numbers; b's column (4) can come
            # first in position order, which flips a minor's sign
            s01 = 1 if cols[p] < cols[q] else -1
            s23 = 1 if cols[r] < cols[t] else -1
            left.append(pairs.index(tuple(sorted((cols[p], cols[q])))))
            right.append(10 + pairs.index(tuple(sorted((cols[r], cols[t])))))
            # (-1)^(rows 1+2 + columns p+1 + q+1), 1-based
            sign[d, len(left) - 1] = (-1) ** (p + q + 1) * s01 * s23
    return (np.asarray(factors, np.int32).T.reshape(-1), np.asarray(left + right, np.int32),
            sign)


_MINOR_INDEX, _PRODUCT_INDEX, _LAPLACE_SIGN = _laplace_tables()


def _repeat_det(sign: np.ndarray, count: int) -> np.ndarray:
    """(1 + R, C) signs of a determinant and R numerators -> (2 R, C): the determinant R times,
    then the numerators, so :func:`ratios_of_determinants` divides equal shapes (onnxruntime
    broadcasts a (1, B) row ~2x slower)."""
    return np.concatenate([np.repeat(sign[:1], count, 0), sign[1:1 + count]], 0)


_SOLVE_SIGN = _repeat_det(_LAPLACE_SIGN, 4)


def ratios_of_determinants(entries: Tensor, minor: Tensor, product: Tensor,
                           sign: Tensor) -> Tensor:
    """Cramer ratios ``num / det`` from (E, B) entries (B systems along the last axis).

    ``minor`` (4 M,) gives the four factors ``a, b, c, d`` (factor-major) of M minors
    ``a b - c d``, ``product`` (2 C,) the two minors of C products, ``sign`` (2 R, C) the
    signed sums of products that make R denominators, then R numerators. Systems along the
    last axis: the lookups take whole rows (a gather along axis 1 and a ReduceProd cost ~10x
    in onnxruntime). In ONNX every factor is its own row lookup (onnxruntime copies the rows
    of a split again); elsewhere one lookup is split into the factors (a lookup per factor
    is a node each).
    """
    onnx = torch.onnx.is_in_onnx_export()
    a, b, c, d = (entries.index_select(0, m) for m in minor.chunk(4)) if onnx else \
        entries.index_select(0, minor).split(minor.shape[0] // 4, 0)
    minors = a * b - c * d
    p, q = (minors.index_select(0, m) for m in product.chunk(2)) if onnx else \
        minors.index_select(0, product).split(product.shape[0] // 2, 0)
    det, num = torch.matmul(sign, p * q).split(sign.shape[0] // 2, 0)
    return num / det


def solve_augmented(aug: Tensor, unrolled: bool = True, offset: Optional[Tensor] = None
                    ) -> Tensor:
    """Solve (B, 20) augmented SPD systems ``[A | b]`` (4 rows of 5, row-major) -> (B, 4) ``x``.

    ``offset`` (20,): the system is scaled to ``A_44 = 1`` (entry 18; an ``A_44`` of 0 counts
    as tiny) and ``offset`` is added before solving: constant rows and a ridge on that scale
    (see :func:`pseudorange.fixed_width_system`).
    Eager (``unrolled=False``): one ``torch.linalg.solve_ex`` (LU without error checks).
    Unrolled (export): Cramer's rule with the determinants expanded by 2x2 minors
    (:func:`ratios_of_determinants`: two constant-index row lookups, three products, a
    difference and one matmul with the signs; ~190 intermediate numbers per system, where
    expanding each determinant into its 24 products of four entries takes ~840, and TFLite
    ran that 4x slower). A singular system gives non-finite values either way, which callers
    reject.
    """
    if offset is not None:
        aug = aug / aug[:, 18:19].clamp_min(TINY) + offset
    if not unrolled:
        rows = aug.reshape(-1, 4, 5)
        # a (..., 4) right-hand side is a batch of vectors for torch.linalg: no squeeze
        return torch.linalg.solve_ex(rows[..., :4], rows[..., 4])[0]
    # x does not change when a system is scaled; the products of four entries do, and the
    # Cauchy pass's weights reach ~1e10 on a noise-free map: scaled to A_44 = 1 they stay in
    # float32 range (a zero A_44, no weight at all, gives NaN: rejected). Without an offset
    # the scale is read as the Cauchy pass reads it (one graph node for both).
    flat = aug.t() if offset is not None else (aug / aug[:, 18:19]).t()
    minor, product = (torch.tensor(t, device=aug.device) for t in (_MINOR_INDEX, _PRODUCT_INDEX))
    sign = torch.tensor(_SOLVE_SIGN, dtype=aug.dtype, device=aug.device)
    return ratios_of_determinants(flat, minor, product, sign).t()
