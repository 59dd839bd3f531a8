"""Eager (fallback only where needed, torch.linalg) vs static-graph (export) decoding, and
the fallback statistic."""
import numpy as np
import pytest
import torch

from popos.codecs.functional import decode_heatmaps, decode_stats, reset_decode_stats

SIZES = [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4), (8, 6)]  # (H, W)


def noisy_gaussians(b: int, j: int, h: int, w: int, seed: int, noise: float = 0.03,
                    amp=(0.55, 1.0), width=(0.8, 1.25)) -> torch.Tensor:
    """Gaussians (sigma 2) of random amplitude and width plus white noise, (B, J, H, W)."""
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(b, j, 2, generator=g) * torch.tensor([w - 1.0, h - 1.0])
    a = amp[0] + (amp[1] - amp[0]) * torch.rand(b, j, 1, 1, generator=g)
    s = 2.0 * (width[0] + (width[1] - width[0]) * torch.rand(b, j, 1, 1, generator=g))
    ys = torch.arange(h, dtype=torch.float32).view(1, 1, h, 1)
    xs = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w)
    d2 = (xs - gt[..., 0, None, None]) ** 2 + (ys - gt[..., 1, None, None]) ** 2
    return a * torch.exp(-d2 / (2 * s ** 2)) + noise * torch.randn(b, j, h, w, generator=g)


@pytest.mark.parametrize('h,w', SIZES)
@pytest.mark.parametrize('fallback', ['grid', 'seed', 'width'])
def test_eager_equals_static_graph(h, w, fallback):
    """The export path (every branch + where, unrolled solvers) equals the eager path."""
    maps = noisy_gaussians(3, 40, h, w, seed=h * w)
    eager, s1 = decode_heatmaps(maps, fallback=fallback, static_graph=False)
    static, s2 = decode_heatmaps(maps, fallback=fallback, static_graph=True)
    torch.testing.assert_close(s1, s2)
    assert (eager - static).abs().max() < 1e-3


@pytest.mark.parametrize('fallback', ['grid', 'seed', 'width'])
def test_eager_fallback_subset_equals_static_on_peakless_maps(fallback):
    """Where the pseudo-range solve is rejected the eager path decodes only those landmarks
    with the fallback; the answer equals computing it for every landmark."""
    g = torch.Generator().manual_seed(3)
    maps = 0.05 * torch.rand(2, 60, 8, 8, generator=g)
    maps[0, :30] += noisy_gaussians(1, 30, 8, 8, seed=4, noise=0.0)[0]
    reset_decode_stats()
    eager, _ = decode_heatmaps(maps, fallback=fallback, static_graph=False)
    stats = decode_stats()
    static, _ = decode_heatmaps(maps, fallback=fallback, static_graph=True)
    assert stats['pseudorange_rejected'] > 0, 'no fallback exercised'
    assert (eager - static).abs().max() < 1e-3
    assert decode_stats() == stats, 'the static graph must not count'
    # the rejected landmarks got exactly the fallback's answer
    if fallback == 'width':  # its answer: test_popos_decode's constrained-lstsq reference
        return
    rejected = (eager - decode_heatmaps(maps, refine='gauss_newton')[0]).norm(dim=-1) < 1e-5
    if fallback == 'seed':
        rejected = (eager - decode_heatmaps(maps, mode='lls')[0]).norm(dim=-1) < 1e-5
    assert rejected.sum() >= stats['pseudorange_rejected']


def test_seed_fallback_is_the_closed_form_block_solve():
    """On noise-only maps (nothing plausible to fit) 'seed' answers with mode='lls'."""
    g = torch.Generator().manual_seed(5)
    maps = torch.rand(1, 98, 8, 8, generator=g)
    reset_decode_stats()
    got, _ = decode_heatmaps(maps, fallback='seed')
    rejected = decode_stats()['pseudorange_rejected']
    same = (got - decode_heatmaps(maps, mode='lls')[0]).norm(dim=-1) < 1e-5
    assert rejected > 20 and same.sum() >= rejected


def test_fallbacks_are_rare_on_clean_maps_and_counted():
    reset_decode_stats()
    decode_heatmaps(noisy_gaussians(4, 98, 8, 8, seed=1, noise=0.01))
    decode_heatmaps(noisy_gaussians(4, 98, 64, 64, seed=2, noise=0.01))
    stats = decode_stats()
    assert stats['landmarks'] == 2 * 4 * 98
    assert stats['pseudorange_fallback_rate'] < 0.01
    # pure noise: no Gaussian to fit, most solves are implausible and fall back
    g = torch.Generator().manual_seed(0)
    reset_decode_stats()
    decode_heatmaps(torch.rand(2, 98, 8, 8, generator=g))
    stats = decode_stats()
    assert stats['pseudorange_fallback_rate'] > 0.2
    assert stats['gauss_newton_rejected'] <= stats['pseudorange_rejected']
    reset_decode_stats()
    assert decode_stats()['landmarks'] == 0


def test_flat_maps_are_not_counted_and_decode_to_the_centre():
    reset_decode_stats()
    maps = torch.zeros(1, 3, 8, 8)
    maps[0, 1] = float('nan')
    maps[0, 2] = 0.25
    for static in (False, True):
        kpts, scores = decode_heatmaps(maps, static_graph=static)
        torch.testing.assert_close(kpts, torch.full((1, 3, 2), 3.5))
        assert torch.all(scores == 0)
    assert decode_stats()['landmarks'] == 0


def test_tracing_records_the_static_graph():
    """Traced on maps where no fallback is needed, the graph still holds the fallback."""
    def decode(x):
        return decode_heatmaps(x)[0]

    clean = noisy_gaussians(1, 20, 8, 8, seed=1, noise=0.0)
    traced = torch.jit.trace(decode, clean, check_trace=False)
    g = torch.Generator().manual_seed(2)
    peakless = torch.rand(1, 20, 8, 8, generator=g)
    reset_decode_stats()
    eager = decode(peakless)
    assert decode_stats()['pseudorange_rejected'] > 0
    assert (traced(peakless) - eager).abs().max() < 1e-3


def test_exporting_is_seen_under_every_tracer(tmp_path):
    """The static graph is chosen under torch.jit.trace, both ONNX exporters' tracers
    (the TorchScript exporter's is torch.jit's) and torch.export; never in eager calls."""
    from popos.codecs.functional import exporting
    seen = []

    class Probe(torch.nn.Module):
        def forward(self, x):
            seen.append(exporting())
            return x + 1

    x = torch.zeros(2)
    Probe()(x)
    torch.jit.trace(Probe(), x, check_trace=False)
    torch.onnx.export(Probe(), (x,), str(tmp_path / 'probe.onnx'), dynamo=False)
    torch.export.export(Probe(), (x,))
    assert seen == [False, True, True, True]


def test_plan_is_built_once_per_settings_and_shape():
    """A one-face call reuses the resolved settings and tables (no per-call table build)."""
    from popos.codecs.functional.popos_decode import _cached_plan
    maps = noisy_gaussians(1, 5, 8, 8, seed=9)
    decode_heatmaps(maps, robust_iters=1)
    before = _cached_plan.cache_info()
    decode_heatmaps(maps, robust_iters=1)
    after = _cached_plan.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    decode_heatmaps(maps, robust_iters=2)                       # other settings: a new plan
    assert _cached_plan.cache_info().misses == after.misses + 1


@pytest.mark.parametrize('power', [2.0, 4.0, 3.0])
def test_anchor_weights_cut_at_the_floor_in_both_spellings(power):
    """h ** p, exactly 0 at the clip floor in both spellings; above ~1e-5 the exportable
    subtraction gives the eager threshold's float32 numbers exactly."""
    from popos.codecs.functional import anchor_weights
    vals = torch.tensor([1e-9, 2e-9, 1e-5, 1e-3, 0.5, 1.0])
    eager = anchor_weights(vals, power, 1e-9)
    export = anchor_weights(vals, power, 1e-9, exportable=True)
    assert eager[0] == 0 and export[0] == 0
    torch.testing.assert_close(eager[1:], vals[1:].double().pow(power).float())
    assert 0 < export[1] < eager[1] and torch.equal(export[2:], eager[2:])
    # in a graph the argmax's own anchor keeps a normal float32 weight at the floor: half the
    # floor's, at least 1e-30 (never 0, never subnormal even times the 1e-6 ridge)
    at_origin = anchor_weights(vals, power, 1e-9, exportable=True, origin=0)
    floor = float(np.float32(1e-9)) ** power
    assert at_origin[0].item() == pytest.approx(max(floor / 2, 1e-30), rel=1e-5)
    assert torch.equal(at_origin[1:], export[1:])


@pytest.mark.parametrize('static', [False, True])
def test_values_are_read_clamped_and_nan_leaves_no_peak(static):
    """Negatives count as 0 and +inf or huge values as 1e6 wherever values are read; a NaN
    anywhere (or +inf beside -inf, whose sum is NaN) leaves the map without a peak: centre,
    score 0, not counted."""
    g = torch.Generator().manual_seed(8)
    base = noisy_gaussians(1, 6, 8, 8, seed=9, noise=0.02)
    maps = base.clone()
    maps[0, 0, 3, 3] = float('nan')
    maps[0, 1, 0, 0], maps[0, 1, 7, 7] = float('inf'), -float('inf')
    maps[0, 2] -= 0.5 * torch.rand(8, 8, generator=g)            # partly negative
    maps[0, 3, 1, 1] = 3e6                                       # huge: counts as 1e6
    maps[0, 4, 6, 2] = -float('inf')                             # counts as 0
    reset_decode_stats()
    kpts, scores = decode_heatmaps(maps, static_graph=static)
    if not static:
        assert decode_stats()['landmarks'] == 4
    for j in (0, 1):
        torch.testing.assert_close(kpts[0, j], torch.full((2,), 3.5))
        assert scores[0, j] == 0
    clamped = maps[:, 2:5].clamp(0.0, 1e6)
    want_k, want_s = decode_heatmaps(clamped, static_graph=static)
    torch.testing.assert_close(kpts[:, 2:5], want_k)
    torch.testing.assert_close(scores[:, 2:5], want_s)
    assert scores[0, 3] == 1e6


def test_eager_outputs_are_ordinary_tensors_usable_in_autograd():
    """The eager decode runs in inference mode but hands out ordinary tensors: a later loss
    may save them for backward; a map that requires grad is decoded outside inference mode."""
    maps = noisy_gaussians(1, 5, 8, 8, seed=1)
    kpts, scores = decode_heatmaps(maps)
    assert not kpts.is_inference() and not scores.is_inference()
    w = torch.ones(1, 5, 2, requires_grad=True)
    (w * kpts * scores[..., None]).sum().backward()
    torch.testing.assert_close(w.grad, (kpts * scores[..., None]).detach())
    kpts_grad, _ = decode_heatmaps(maps.clone().requires_grad_(True))
    torch.testing.assert_close(kpts_grad.detach(), kpts)


def test_gather_table_reads_the_same_values_in_every_spelling():
    """Eager, ONNX-style (exportable, not under torch.export) and the torch.export spelling
    (flat EMBEDDING_LOOKUP with the batch offset folded in) read the same table entries."""
    from popos.codecs.functional.pseudorange import gather_table
    g = torch.Generator().manual_seed(5)
    values = torch.rand(6, 64, generator=g)
    table = torch.randint(0, 64, (64, 9), generator=g)
    rows = torch.randint(0, 64, (6,), generator=g)
    expected = torch.stack([values[n, table[rows[n]]] for n in range(6)])
    assert torch.equal(gather_table(values, table, rows), expected)
    assert torch.equal(gather_table(values, table, rows, exportable=True), expected)

    class Read(torch.nn.Module):
        def forward(self, v, r):
            return gather_table(v, table, r, exportable=True)

    program = torch.export.export(Read(), (values, rows))
    ops = {str(n.target) for n in program.graph.nodes if n.op == 'call_function'}
    assert any('embedding' in op for op in ops) and not any('gather' in op for op in ops)
    assert torch.equal(program.module()(values, rows), expected)


def test_an_empty_batch_decodes_to_no_landmarks():
    # e.g. an image without faces batched through the head (eager max() refused empty input)
    for static_graph in (False, None):
        kpts, scores = decode_heatmaps(torch.zeros(0, 5, 8, 8), static_graph=static_graph)
        assert kpts.shape == (0, 5, 2) and scores.shape == (0, 5)
    with pytest.raises(ValueError, match='fallback'):  # settings are still checked
        decode_heatmaps(torch.zeros(0, 5, 8, 8), fallback='nope')


def test_decoding_under_mixed_precision_is_float32():
    # mmengine's --amp on CPU runs validation under autocast (bf16): the solves stay float32
    maps = noisy_gaussians(2, 10, 8, 8, seed=21)
    ref = decode_heatmaps(maps, static_graph=False)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = decode_heatmaps(maps, static_graph=False)
    torch.testing.assert_close(got, ref, rtol=0, atol=0)
    assert got[0].dtype == torch.float32
