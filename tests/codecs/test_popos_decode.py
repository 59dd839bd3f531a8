"""The batched decoder against closed forms and slow per-point references."""
import itertools

import numpy as np
import pytest
import torch

from popos.codecs.functional import (block_seed, build_disc_tables, build_seed_tables,
                                     decode_heatmaps, disc_values, gauss_newton,
                                     monotone_weights, pseudorange_solve, resolution_defaults)
from popos.codecs.functional.pseudorange import fixed_width_solve, fixed_width_system
from popos.codecs.functional.small_linalg import solve_2x2, solve_augmented

SIZES = [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4), (48, 64), (8, 6)]  # (H, W)


def gaussian_maps(gt: torch.Tensor, h: int, w: int, sigma: float = 2.0, amp: float = 1.0,
                  width: float = 1.0) -> torch.Tensor:
    """Ideal untruncated Gaussians, gt (B, J, 2) in heatmap px -> (B, J, H, W)."""
    ys = torch.arange(h, dtype=torch.float64).view(1, 1, h, 1)
    xs = torch.arange(w, dtype=torch.float64).view(1, 1, 1, w)
    g = gt.double()
    d2 = (xs - g[..., 0, None, None]) ** 2 + (ys - g[..., 1, None, None]) ** 2
    return (amp * torch.exp(-d2 / (2 * (sigma * width) ** 2))).float()


def random_gt(b, j, h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, j, 2, generator=g) * torch.tensor([w - 1.0, h - 1.0])


@pytest.mark.parametrize('h,w', SIZES)
@pytest.mark.parametrize('mode,refine', [('popos', 'pseudorange'), ('popos', 'gauss_newton'),
                                         ('keypos', 'none'), ('lls', 'none')])
def test_exact_recovery_on_ideal_gaussians(h, w, mode, refine):
    gt = random_gt(4, 20, h, w, seed=h * w)
    kpts, scores = decode_heatmaps(gaussian_maps(gt, h, w), sigma=2.0, mode=mode, refine=refine)
    err = (kpts - gt).norm(dim=-1)
    assert err.max() < 0.01, f'max error {err.max():.4f} heatmap px'
    assert torch.all(scores > 0.5)


@pytest.mark.parametrize('h,w', [(64, 64), (4, 4)])
def test_pseudorange_refine_is_exact_under_amplitude_and_width_mismatch(h, w):
    gt = random_gt(2, 30, h, w, seed=3)
    maps = gaussian_maps(gt, h, w, amp=0.6, width=1.25)
    pr, _ = decode_heatmaps(maps, sigma=2.0, mode='popos', refine='pseudorange')
    gn, _ = decode_heatmaps(maps, sigma=2.0, mode='popos', refine='gauss_newton')
    err_pr = (pr - gt).norm(dim=-1)
    err_gn = (gn - gt).norm(dim=-1)
    assert err_pr.max() < 0.02
    assert err_pr.mean() < err_gn.mean()


# ---------------------------------------------------------------- per-point references
def ref_block_seed(hm: np.ndarray, sigma: float) -> np.ndarray:
    """Obvious per-point version: try the 4 windows touching the argmax, solve by lstsq."""
    h, w = hm.shape
    my, mx = np.unravel_index(np.argmax(hm), hm.shape)
    best = None
    for dx, dy in itertools.product((-1, 0), (-1, 0)):
        tx, ty = min(max(mx + dx, 0), w - 2), min(max(my + dy, 0), h - 2)
        s = hm[ty:ty + 2, tx:tx + 2].sum()
        if best is None or s > best[0]:
            best = (s, tx, ty)
    _, tx, ty = best
    corners = np.array([[tx, ty], [tx + 1, ty], [tx, ty + 1], [tx + 1, ty + 1]], float)
    d2 = np.array([-2 * sigma ** 2 * np.log(np.clip(hm[int(y), int(x)], 1e-9, 1))
                   for x, y in corners])
    an = corners[-1]
    a = np.stack([2 * (an - c) for c in corners[:3]])
    b = np.array([d2[i] - d2[3] + an @ an - corners[i] @ corners[i] for i in range(3)])
    p = np.linalg.lstsq(a, b, rcond=None)[0]
    return np.clip(p, corners[0] - 1, corners[0] + 2)


def ref_popos_grid(hm: np.ndarray, sigma: float, k: int, side: float, spacing: float,
                   radius: float) -> np.ndarray:
    h, w = hm.shape
    my, mx = np.unravel_index(np.argmax(hm), hm.shape)
    cells = [(hm[y, x], x, y) for y in range(h) for x in range(w)
             if (x - mx) ** 2 + (y - my) ** 2 <= radius ** 2]
    cells.sort(key=lambda c: -c[0])
    anchors = np.array([[x, y] for _, x, y in cells[:k]], float)
    ranges = np.sqrt(-2 * sigma ** 2 * np.log(np.clip([v for v, _, _ in cells[:k]], 1e-9, 1)))
    seed = ref_block_seed(hm, sigma)
    n = int(round(side / spacing)) + 1
    best, best_cost = None, np.inf
    for iy in range(n):
        for ix in range(n):
            g = seed + np.array([ix, iy]) * spacing - spacing * (n - 1) / 2
            cost = np.abs(np.linalg.norm(anchors - g, axis=1) - ranges).sum()
            if cost < best_cost:
                best, best_cost = g, cost
    return best, anchors, ranges


@pytest.mark.parametrize('h,w', [(32, 32), (16, 16), (8, 8), (4, 4), (8, 6)])
def test_batched_dense_grid_matches_per_point_reference(h, w):
    gt = random_gt(2, 6, h, w, seed=11)
    g = torch.Generator().manual_seed(5)
    maps = gaussian_maps(gt, h, w, amp=0.8) + 0.03 * torch.rand(2, 6, h, w, generator=g)
    k, side, spacing = resolution_defaults(h, w)
    got, _ = decode_heatmaps(maps, sigma=2.0, mode='popos', refine='none', grid_method='dense',
                             anchor_radius=4.0)
    for bi, ji in itertools.product(range(2), range(6)):
        hm = maps[bi, ji].double().numpy()
        ref, anchors, ranges = ref_popos_grid(hm, 2.0, k, side, spacing, radius=4.0)
        cost = lambda p: np.abs(np.linalg.norm(anchors - p, axis=1) - ranges).sum()  # noqa
        # Same argmin, up to float32 near-ties between neighbouring candidates.
        assert cost(got[bi, ji].double().numpy()) <= cost(ref) + 1e-4
        assert np.abs(got[bi, ji].numpy() - ref).max() <= spacing + 1e-4


def test_block_seed_matches_reference():
    h = w = 8
    gt = random_gt(1, 10, h, w, seed=2)
    maps = gaussian_maps(gt, h, w) * 0.9
    flat = maps.reshape(10, -1)
    got = block_seed(flat, flat.argmax(-1), build_seed_tables(h, w, 2.0), 1e-9)
    for j in range(10):
        want = ref_block_seed(maps[0, j].double().numpy(), 2.0)
        np.testing.assert_allclose(got[j].numpy(), want, atol=1e-4)
    # the exportable lookups (F.embedding on float tables) give the same seed, also on noise
    # with ties and argmax pixels on the border
    noise = torch.rand(40, h * w, generator=torch.Generator().manual_seed(0)).round_(decimals=1)
    for m in (flat, noise):
        torch.testing.assert_close(
            block_seed(m, m.argmax(-1), build_seed_tables(h, w, 2.0), 1e-9, exportable=True),
            block_seed(m, m.argmax(-1), build_seed_tables(h, w, 2.0), 1e-9))


def test_gauss_newton_matches_reference():
    rng = np.random.default_rng(0)
    anchors = rng.uniform(0, 8, (3, 5, 12, 2))
    truth = rng.uniform(2, 6, (3, 5, 2))
    d2 = ((anchors - truth[:, :, None]) ** 2).sum(-1) * rng.uniform(0.9, 1.1, (3, 5, 12))
    start = truth + rng.uniform(-1, 1, truth.shape)
    got = gauss_newton(torch.tensor(start), torch.tensor(anchors), torch.tensor(d2),
                       torch.ones(3, 5, 12, dtype=torch.float64), iters=20).numpy()
    for b, j in itertools.product(range(3), range(5)):
        p = start[b, j].copy()
        cost = lambda q: ((((anchors[b, j] - q) ** 2).sum(-1) - d2[b, j]) ** 2).sum()  # noqa
        for _ in range(20):
            diff = anchors[b, j] - p
            r = (diff ** 2).sum(-1) - d2[b, j]
            jac = -2 * diff
            step = np.linalg.solve(jac.T @ jac, jac.T @ r)
            if cost(p - step) < cost(p):
                p = p - step
        np.testing.assert_allclose(got[b, j], p, atol=1e-6)


def ref_pseudorange(off, u, w0, robust_iters):
    """Per-landmark weighted lstsq of ``|o|^2 = 2 o.q + t2 u + g`` with Cauchy re-weighting."""
    a = np.column_stack([2 * off, u, np.ones(len(u))])
    y = (off ** 2).sum(-1)
    w = w0.copy()
    for it in range(robust_iters + 1):
        sw = np.sqrt(w)
        theta = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)[0]
        if it < robust_iters:
            r = a @ theta - y
            rms = np.sqrt((w * r ** 2).sum() / w.sum())
            w = w0 / (1 + (r / (2 * rms)) ** 2)
    return theta


@pytest.mark.parametrize('unrolled', [False, True])
@pytest.mark.parametrize('robust_iters', [0, 1])
def test_pseudorange_solve_matches_weighted_lstsq(unrolled, robust_iters):
    """The moment-table normal equations equal a per-landmark weighted lstsq."""
    tab = build_disc_tables(4.0, 16, 16)
    off = tab.offsets.double().numpy()
    rng = np.random.default_rng(1)
    q = rng.uniform(-1, 1, (2, 4, 1, 2))
    t2 = rng.uniform(4, 16, (2, 4, 1))                       # 2 (sigma * width)^2
    g = rng.uniform(-3, 3, (2, 4, 1))
    u = (((off - q) ** 2).sum(-1) - g) / t2 + rng.normal(0, 0.05, (2, 4, len(off)))
    w = rng.uniform(0.1, 1, u.shape) * (rng.random(u.shape) > 0.2)   # some anchors vote 0
    theta = pseudorange_solve(tab, -torch.tensor(u).float(), torch.tensor(w).float(),
                              robust_iters, unrolled=unrolled)[0].double().numpy()
    for b, j in itertools.product(range(2), range(4)):
        ref = ref_pseudorange(off, u[b, j], w[b, j], robust_iters)
        # float32 normal equations and a 1e-6 relative ridge: not bit-exact
        np.testing.assert_allclose(theta[b, j, :2], ref[:2], atol=2e-3)
        np.testing.assert_allclose(theta[b, j, 2], ref[2], rtol=2e-3)


def ref_fixed_width(off, u, w, sigma):
    """Weighted lstsq of (q_x, q_y, gamma - |q|^2) with theta_2 = 2 sigma^2:
    ``|o|^2 - 2 sigma^2 u = 2 o.q + gamma'``."""
    a = np.concatenate([2 * off, np.ones((len(off), 1))], 1)
    y = (off ** 2).sum(-1) - 2 * sigma * sigma * u
    sw = np.sqrt(w)
    return np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)[0]


@pytest.mark.parametrize('robust_iters', [0, 1])
def test_fixed_width_solve_matches_constrained_lstsq(robust_iters):
    """fallback='width' solves the first pass's equations with theta_2 = 2 sigma^2: equal to a
    per-landmark constrained weighted lstsq, eagerly and side by side with the free solve in
    the unrolled (export) solver; no weight at all gives q = 0 (the argmax) eagerly, not NaN
    (an export keeps a weight at the argmax instead: test_onnx_export's degenerate maps)."""
    sigma = 1.5
    tab = build_disc_tables(3.0, 8, 8)
    fixed = fixed_width_system(3.0, 8, 8, sigma)
    off = tab.offsets.double().numpy()
    rng = np.random.default_rng(4)
    q = rng.uniform(-1, 1, (12, 1, 2))
    t2 = rng.uniform(2, 9, (12, 1))                     # widths other than the fixed one
    g = rng.uniform(-3, 3, (12, 1))
    u = (((off - q) ** 2).sum(-1) - g) / t2 + rng.normal(0, 0.05, (12, len(off)))
    w = rng.uniform(0.1, 1, u.shape) * (rng.random(u.shape) > 0.2)
    w[-1] = 0.0                                          # a landmark without any weight
    log_h, weights = -torch.tensor(u).float(), torch.tensor(w).float()
    theta, stats = pseudorange_solve(tab, log_h, weights, robust_iters)
    eager = fixed_width_solve(stats, fixed).double().numpy()
    side_by_side, none = pseudorange_solve(tab, log_h, weights, robust_iters, True, fixed)
    free_u, both = side_by_side[:4].t(), side_by_side[4:].t()
    assert none is None
    np.testing.assert_allclose(eager[-1], [0.0, 0.0, 2 * sigma * sigma, 0.0], atol=1e-5)
    # the export keeps a weight at every landmark (anchor_weights(origin=...)): without one
    # its pair solve is undefined, the decode never asks it
    np.testing.assert_allclose(both[:-1].double().numpy(), eager[:-1, :2], atol=2e-3,
                               rtol=1e-4)
    np.testing.assert_allclose(free_u[:-1].double().numpy(), theta[:-1].double().numpy(),
                               atol=2e-3, rtol=2e-3)
    for i in range(11):
        ref = ref_fixed_width(off, u[i], w[i], sigma)
        np.testing.assert_allclose(eager[i, :2], ref[:2], atol=2e-3)
        np.testing.assert_allclose(eager[i, 3], ref[2], atol=1e-2, rtol=1e-3)
        assert abs(eager[i, 2] - 2 * sigma * sigma) < 1e-4


def test_width_fallback_answers_the_clamped_fixed_width_fit():
    """On noise-only maps (most solves implausible) fallback='width' answers with the argmax
    plus the fixed-width fit of the anchor disc (weights h ** p, cut at the clip floor),
    clamped to the plausible radius; eager (counted) and static agree."""
    from popos.codecs.functional import decode_stats, reset_decode_stats
    from popos.codecs.functional.defaults import pseudorange_weight_power
    g = torch.Generator().manual_seed(6)
    maps = torch.rand(1, 98, 8, 8, generator=g)
    reset_decode_stats()
    got = decode_heatmaps(maps, fallback='width', static_graph=False)[0][0].double().numpy()
    rejected = decode_stats()['pseudorange_rejected']
    static = decode_heatmaps(maps, fallback='width', static_graph=True)[0][0].numpy()
    assert rejected > 20 and np.abs(got - static).max() < 1e-3
    # the rejected landmarks: where another fallback answers differently
    seed = decode_heatmaps(maps, fallback='seed', static_graph=False)[0][0].double().numpy()
    rows = np.flatnonzero(np.abs(got - seed).max(-1) > 1e-5)
    assert len(rows) == rejected
    tab = build_disc_tables(4.0, 8, 8)
    off = tab.offsets.double().numpy()
    power = pseudorange_weight_power(8, 8)
    bound = max(1.5, resolution_defaults(8, 8, 'popos')[1] / 2)
    for j in rows:
        m = maps[0, j].double().numpy()
        py, px = np.unravel_index(m.argmax(), m.shape)
        ax, ay = px + off[:, 0].astype(int), py + off[:, 1].astype(int)
        inside = (ax >= 0) & (ax < 8) & (ay >= 0) & (ay < 8)
        h = np.where(inside, m[np.clip(ay, 0, 7), np.clip(ax, 0, 7)], 0.0).clip(1e-9, 1.0)
        w = np.where(h > 1e-9, h ** power, 0.0)
        fit = ref_fixed_width(off, -np.log(h), w, 2.0)
        np.testing.assert_allclose(got[j], [px, py] + fit[:2].clip(-bound, bound), atol=1e-3)


@pytest.mark.parametrize('radius,h,w', [(4.0, 16, 16), (2.5, 8, 8), (4.0, 4, 4), (6.0, 5, 9)])
def test_inward_neighbour_is_one_step_nearer_the_argmax(radius, h, w):
    tab = build_disc_tables(radius, h, w)
    off = tab.offsets.numpy()
    assert (tab.inward.sum(0) == 1).all() and set(np.unique(tab.inward.numpy())) <= {0.0, 1.0}
    for k, o in enumerate(off):
        step = o - off[tab.inward[:, k].argmax()]
        if not o.any():
            assert not step.any()                                 # the argmax is its own
        else:
            assert np.abs(step).max() == 1                        # an 8-neighbour ...
            assert np.hypot(*(o - step)) < np.hypot(*o)           # ... nearer the argmax
            assert step @ o > 0                                   # ... along the ray


def test_monotone_weights_drop_anchors_that_rise_again():
    tab = build_disc_tables(2.5, 8, 8)
    rng = np.random.default_rng(4)
    values = torch.tensor(rng.uniform(0, 1, (3, len(tab.offsets))), dtype=torch.float32)
    weights = torch.tensor(rng.uniform(0.5, 1, values.shape), dtype=torch.float32)
    inner = tab.inward.numpy().argmax(0)
    for exportable in (False, True):
        got = monotone_weights(weights, values, tab, exportable).numpy()
        for n, k in itertools.product(range(3), range(len(tab.offsets))):
            rises = values[n, k] > values[n, inner[k]]
            assert got[n, k] == (0.0 if rises else weights[n, k].item())


def test_monotone_mask_decode_matches_masked_lstsq():
    """anchor_mask='monotone' = the weighted lstsq with every rising anchor's weight 0."""
    h = w = 16
    gt = random_gt(2, 5, h, w, seed=6) * 0.5 + 4.0
    second = gt + torch.tensor([4.5, -2.0])
    maps = torch.maximum(gaussian_maps(gt, h, w), gaussian_maps(second, h, w, amp=0.6))
    maps = maps + 0.01 * torch.rand(maps.shape, generator=torch.Generator().manual_seed(2))
    got = decode_heatmaps(maps, anchor_mask='monotone', robust_iters=0)[0].numpy()
    tab = build_disc_tables(4.0, h, w)
    off = tab.offsets.double().numpy()
    inner = tab.inward.numpy().argmax(0)
    for b, j in itertools.product(range(2), range(5)):
        m = maps[b, j].double().numpy()
        y, x = np.unravel_index(m.argmax(), m.shape)
        vals = np.array([m[y + dy, x + dx] if 0 <= x + dx < w and 0 <= y + dy < h else 0.0
                         for dx, dy in off.astype(int)])
        weight = np.clip(vals, 1e-9, 1) ** 2 * (vals > 1e-9) * (vals <= vals[inner])
        theta = ref_pseudorange(off, -np.log(np.clip(vals, 1e-9, 1)), weight, 0)
        np.testing.assert_allclose(got[b, j], [x + theta[0], y + theta[1]], atol=2e-3)


def test_monotone_mask_resists_a_close_second_peak():
    h = w = 32
    gt = random_gt(4, 16, h, w, seed=3) * 0.6 + 6.0
    ang = torch.rand(4, 16, generator=torch.Generator().manual_seed(1)) * 2 * np.pi
    second = gt + 5.0 * torch.stack([ang.cos(), ang.sin()], -1)            # 2.5 sigma away
    maps = torch.maximum(gaussian_maps(gt, h, w), gaussian_maps(second, h, w, amp=0.7))
    err = {mask: (decode_heatmaps(maps, robust_iters=0, anchor_mask=mask)[0] - gt).norm(
        dim=-1).mean() for mask in ('none', 'monotone')}
    assert err['monotone'] < 0.5 * err['none'], err


def test_disc_gather_matches_brute_force():
    """Disc values through the cached index table = direct indexing (0 off the map)."""
    h, w = 6, 9
    tab = build_disc_tables(2.5, h, w)
    hm = torch.rand(h, w) + 0.1
    flat = hm.reshape(1, -1).expand(h * w, -1)
    got_all = disc_values(flat.contiguous(), torch.arange(h * w), tab)
    for y, x in itertools.product(range(h), range(w)):
        got = got_all[y * w + x]
        for (dx, dy), v in zip(tab.offsets.long().tolist(), got.tolist()):
            inside = 0 <= x + dx < w and 0 <= y + dy < h
            assert v == (hm[y + dy, x + dx].item() if inside else 0.0)
        assert tab.pixel[y * w + x].tolist() == [x, y]
    assert all(dx * dx + dy * dy <= 2.5 ** 2 for dx, dy in tab.offsets.tolist())
    assert len(tab.offsets) == 21                        # lattice points in a disc of r 2.5


def test_small_solvers_match_numpy():
    rng = np.random.default_rng(2)
    m = rng.normal(size=(10, 4, 4))
    spd = m @ np.swapaxes(m, -1, -2) + 0.5 * np.eye(4)
    rhs = rng.normal(size=(10, 4))
    aug = torch.tensor(np.concatenate([spd, rhs[..., None]], -1).reshape(10, 20))
    for unrolled in (False, True):
        np.testing.assert_allclose(solve_augmented(aug, unrolled).numpy(),
                                   np.linalg.solve(spd, rhs[..., None])[..., 0], rtol=1e-8,
                                   atol=1e-8)
    # scaled to A_44 = 1, plus an offset
    offset = rng.normal(size=20) * 0.1
    scaled = aug.numpy() / aug.numpy()[:, 18:19] + offset
    ref = np.linalg.solve(scaled.reshape(10, 4, 5)[..., :4], scaled.reshape(10, 4, 5)[..., 4:])
    for unrolled in (False, True):
        got = solve_augmented(aug, unrolled, torch.tensor(offset)).numpy()
        np.testing.assert_allclose(got, ref[..., 0], rtol=1e-7, atol=1e-7)
    a2 = rng.normal(size=(10, 2, 2))
    np.testing.assert_allclose(solve_2x2(torch.tensor(a2), torch.tensor(rhs[:, :2])).numpy(),
                               np.linalg.solve(a2, rhs[:, :2, None])[..., 0], rtol=1e-8)
    assert torch.all(solve_2x2(torch.zeros(1, 2, 2), torch.ones(1, 2)) == 0)


def test_laplace_tables_give_the_five_determinants():
    """The unrolled solver's tables expand det A and the four Cramer numerators exactly
    (a common sign or scale error would cancel in the solve itself)."""
    from popos.codecs.functional.small_linalg import (_LAPLACE_SIGN, _MINOR_INDEX,
                                                      _PRODUCT_INDEX)
    x = np.random.default_rng(3).normal(size=(7, 4, 5))
    a, b, c, d = x.reshape(7, 20).T[_MINOR_INDEX].reshape(4, 20, 7)
    p, q = (a * b - c * d)[_PRODUCT_INDEX].reshape(2, 30, 7)
    dets = _LAPLACE_SIGN.astype(np.float64) @ (p * q)                             # (5, 7)
    expected = [np.linalg.det(x[:, :, :4])]
    for col in range(4):
        m = x[:, :, :4].copy()
        m[:, :, col] = x[:, :, 4]
        expected.append(np.linalg.det(m))
    np.testing.assert_allclose(dets, np.stack(expected), rtol=1e-10, atol=1e-10)


def test_pair_tables_solve_both_systems_exactly():
    """The export's pair solve (one Cramer expansion for the free system and the fixed-width
    one with gamma eliminated) gives numpy's solutions of both on float64 moments: the free
    [A | b] and, from it, rows x, y, gamma with theta_2 = 2 sigma^2 moved to the right-hand
    side and the ridge on the scale A_44 = 1."""
    from popos.codecs.functional.pseudorange import (_moments, _pair_tables, disc_offsets,
                                                     pair_solve)
    from popos.codecs.functional.small_linalg import RIDGE
    sigma = 1.25
    fixed = fixed_width_system(2.5, 8, 8, sigma)
    # the same tables in float64 (the plan holds them in float32)
    moments = _moments(np.array(disc_offsets(2.5, 8, 8), np.float64))[2]
    table = _pair_tables(moments, sigma)
    fixed = fixed._replace(moments=torch.tensor(table[0]), sign=torch.tensor(table[3]).double())
    assert torch.equal(fixed.minor, torch.tensor(table[1]))
    assert torch.equal(fixed.product, torch.tensor(table[2]))
    tab = build_disc_tables(2.5, 8, 8)
    rng = np.random.default_rng(5)
    p = tab.offsets.shape[0]
    lu = torch.tensor(-rng.uniform(0.05, 5, (9, p)))
    w = torch.tensor(rng.uniform(0.1, 1, (9, p)))
    products = torch.cat([w, w * lu, w * lu * lu], 1)
    got, total = pair_solve(products, fixed)
    got = got.t().numpy()                                                         # (9, 6)
    aug = products.numpy() @ moments
    aug = (aug / aug[:, 18:19]).reshape(9, 4, 5)
    free = np.linalg.solve(aug[..., :4], aug[..., 4:])[..., 0]
    rows = [0, 1, 3]
    a3 = aug[:, rows][:, :, rows] + RIDGE * np.eye(3)
    b3 = aug[:, rows, 4] - 2 * sigma * sigma * aug[:, rows, 2]
    q = np.linalg.solve(a3, b3[..., None])[..., 0]
    np.testing.assert_allclose(got[:, :4], free, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[:, 4:], q[:, :2], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(total[0].numpy(), (products.numpy() @ moments)[:, 18])


# ---------------------------------------------------------------- batch semantics
def test_invariant_to_order_of_images_and_landmarks():
    h = w = 8
    gt = random_gt(5, 7, h, w, seed=9)
    g = torch.Generator().manual_seed(1)
    maps = gaussian_maps(gt, h, w, amp=0.7) + 0.05 * torch.rand(5, 7, h, w, generator=g)
    kp, sc = decode_heatmaps(maps)
    pb, pj = torch.randperm(5, generator=g), torch.randperm(7, generator=g)
    kp2, sc2 = decode_heatmaps(maps[pb][:, pj])
    torch.testing.assert_close(kp2, kp[pb][:, pj])
    torch.testing.assert_close(sc2, sc[pb][:, pj])
    single, _ = decode_heatmaps(maps[2:3, 4:5])
    torch.testing.assert_close(single[0, 0], kp[2, 4])


# ---------------------------------------------------------------- degenerate input
@pytest.mark.parametrize('mode', ['popos', 'keypos', 'lls'])
def test_degenerate_heatmaps_are_defined(mode):
    h = w = 8
    maps = torch.zeros(1, 10, h, w)
    maps[0, 1] = 0.5                                    # flat
    maps[0, 2] = float('nan')                           # all NaN
    maps[0, 3] = -torch.rand(h, w)                      # negative
    maps[0, 4] = gaussian_maps(torch.tensor([[[0.0, 0.0]]]), h, w)[0, 0]       # border peak
    maps[0, 5] = gaussian_maps(torch.tensor([[[-30.0, 40.0]]]), h, w)[0, 0]    # far outside
    maps[0, 6] = gaussian_maps(torch.tensor([[[3.3, 4.6]]]), h, w)[0, 0]
    maps[0, 6, 2, 2] = float('nan')                      # one NaN pixel: no peak either
    maps[0, 7] = gaussian_maps(torch.tensor([[[7.0, 7.0]]]), h, w)[0, 0]       # corner peak
    maps[0, 8] = gaussian_maps(torch.tensor([[[2.6, 5.2]]]), h, w)[0, 0] - 0.3  # negative tail
    maps[0, 9] = gaussian_maps(torch.tensor([[[5.4, 1.7]]]), h, w)[0, 0]
    maps[0, 9, 0, 0] = float('inf')                      # +inf counts as 1e6
    kp, sc = decode_heatmaps(maps, mode=mode, topk=1000)  # K larger than the map
    assert torch.isfinite(kp).all() and torch.isfinite(sc).all()
    assert torch.all(kp[..., 0].abs() <= w) and torch.all(kp[..., 1].abs() <= h)
    centre = torch.tensor([(w - 1) / 2, (h - 1) / 2])
    for j in (0, 1, 2, 3, 6):
        assert sc[0, j] == 0
        torch.testing.assert_close(kp[0, j], centre)
    assert sc[0, 5] < 1e-10
    assert (kp[0, 4] - torch.tensor([0.0, 0.0])).norm() < 0.05
    assert (kp[0, 7] - torch.tensor([7.0, 7.0])).norm() < 0.05
    # negatives count as 0 and +inf as 1e6: the same as decoding the clamped maps
    clamped = decode_heatmaps(maps[:, 8:10].clamp(0.0, 1e6), mode=mode, topk=1000)
    torch.testing.assert_close(kp[:, 8:10], clamped[0])
    torch.testing.assert_close(sc[:, 8:10], clamped[1])
    assert sc[0, 9] == 1e6


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match='must be one of'):
        decode_heatmaps(torch.zeros(1, 1, 8, 8), mode='argmax')
    with pytest.raises(ValueError, match=r'\(B, J, H, W\)'):
        decode_heatmaps(torch.zeros(8, 8))
    with pytest.raises(ValueError, match='at least 2x2'):
        decode_heatmaps(torch.zeros(1, 1, 1, 8))
    with pytest.raises(ValueError, match='anchor_mask must be one of'):
        decode_heatmaps(torch.zeros(1, 1, 8, 8), anchor_mask='rays')


@pytest.mark.parametrize('refine', ['pseudorange', 'gauss_newton'])
def test_refinement_stays_near_the_peak_on_maps_without_a_peak(refine):
    """On noise, a refinement may not wander off to the border: the answer stays local."""
    g = torch.Generator().manual_seed(7)
    maps = 0.05 * torch.rand(4, 60, 8, 8, generator=g) - 0.02
    kpts, _ = decode_heatmaps(maps, refine=refine)
    flat = maps.clamp(min=0).flatten(2).argmax(-1)
    peak = torch.stack([flat % 8, flat // 8], -1).float()
    # per axis: the 2x2 seed's reach (2) + the grid's half-side (1.5) around the argmax
    assert (kpts - peak).abs().max() <= 3.5 + 1e-4
