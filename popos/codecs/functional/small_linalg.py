"""Batched solvers for tiny linear systems.

``torch.linalg`` has no ONNX/TFLite lowering, so exported graphs use the unrolled versions
(Mul/Add/Div/Sqrt only, batched over any leading dimensions); eager decoding uses
``torch.linalg``, whose one call costs less than the dozens of elementwise ops of the unrolled
solvers on a single face.
"""
from functools import lru_cache
from typing import Tuple

import torch
from torch import Tensor


@lru_cache(maxsize=16)
def _damping(n: int, ridge: float, dtype: torch.dtype, device: str) -> Tuple[Tensor, Tensor]:
    eye = torch.eye(n, dtype=dtype, device=device)
    return 1.0 + ridge * eye, 1e-12 * eye


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


def solve_spd(a: Tensor, b: Tensor, ridge: float = 1e-6, unrolled: bool = True) -> Tensor:
    """Solve the symmetric positive (semi-)definite system ``a x = b``.

    Args:
        a: (..., n, n) normal matrix, small n (the loops are unrolled at trace time).
        b: (..., n) right-hand side.
        ridge: each diagonal entry is scaled by ``1 + ridge`` (Levenberg-Marquardt
            damping, invariant to column scaling), plus a tiny absolute floor, so
            rank-deficient systems (e.g. all anchors at one range) stay finite.
        unrolled: elementwise Cholesky (exportable); ``False`` = ``torch.linalg.solve_ex``
            with the same damping (eager only).

    Returns:
        (..., n) solution.
    """
    n = a.shape[-1]
    if not unrolled:
        scale, floor = _damping(n, float(ridge), a.dtype, str(a.device))
        # LU (solve_ex, no error checks) measured faster than cholesky_ex + cholesky_solve
        return torch.linalg.solve_ex(torch.addcmul(floor, a, scale), b.unsqueeze(-1))[0][..., 0]
    rows = [[a[..., i, j] for j in range(n)] for i in range(n)]
    for i in range(n):
        rows[i][i] = rows[i][i] * (1.0 + ridge) + 1e-12
    low = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = rows[i][j]
            for k in range(j):
                s = s - low[i][k] * low[j][k]
            if i == j:
                low[i][i] = s.clamp_min(1e-20).sqrt()
            else:
                low[i][j] = s / low[j][j]
    y = [None] * n
    for i in range(n):
        s = b[..., i]
        for k in range(i):
            s = s - low[i][k] * y[k]
        y[i] = s / low[i][i]
    x = [None] * n
    for i in reversed(range(n)):
        s = y[i]
        for k in range(i + 1, n):
            s = s - low[k][i] * x[k]
        x[i] = s / low[i][i]
    return torch.stack(x, dim=-1)


def solve_3x3(a: Tensor, b: Tensor, eps: float = 1e-30) -> Tensor:
    """Solve (..., 3, 3) ``a x = b`` by the adjugate; singular systems return zeros.

    Row ``i`` of the cofactor matrix is ``row_{i+1} x row_{i+2}``, i.e. column ``i`` of
    ``adj(a)``; six constant-index gathers build it (a few graph nodes, not dozens).
    """
    nxt = torch.tensor([1, 2, 0], device=a.device)
    prv = torch.tensor([2, 0, 1], device=a.device)
    r1, r2 = a.index_select(-2, nxt), a.index_select(-2, prv)
    cof = r1.index_select(-1, nxt) * r2.index_select(-1, prv) - \
        r1.index_select(-1, prv) * r2.index_select(-1, nxt)
    det = (a[..., 0, :] * cof[..., 0, :]).sum(-1, keepdim=True)
    ok = det.abs() > eps
    x = (cof * b.unsqueeze(-1)).sum(-2) / torch.where(ok, det, torch.ones_like(det))
    return torch.where(ok, x, torch.zeros_like(x))


def solve_bordered(a: Tensor, b: Tensor, ridge: float = 1e-6, unrolled: bool = True) -> Tensor:
    """Solve the (..., 4, 4) SPD system ``a x = b`` (pseudo-range normal equations).

    Unrolled (export): the last unknown is eliminated through its Schur complement
    ``a33 - s s^T / a_44`` and the remaining 3x3 system solved by :func:`solve_3x3`, about
    a third of the graph nodes of an unrolled 4x4 Cholesky. Eager: :func:`solve_spd` with
    ``torch.linalg``. Both damp the diagonal by ``1 + ridge``.
    """
    if not unrolled:
        return solve_spd(a, b, ridge, unrolled=False)
    corner = a[..., 3:, 3:].clamp_min(1e-12)                        # (..., 1, 1)
    s = a[..., :3, 3:]                                              # (..., 3, 1)
    # a literal, not torch.eye: TFLite's interpreter has no kernel for the iota eye lowers to
    damp = torch.tensor([[1.0 + ridge if i == j else 1.0 for j in range(3)] for i in range(3)],
                        dtype=a.dtype, device=a.device)
    inner = a[..., :3, :3] * damp
    inner = inner - s * s.transpose(-1, -2) / corner
    x = solve_3x3(inner, b[..., :3] - s[..., 0] * (b[..., 3:] / corner[..., 0]))
    last = (b[..., 3:] - (s[..., 0] * x).sum(-1, keepdim=True)) / corner[..., 0]
    return torch.cat([x, last], -1)
