"""The compiled one-face decode (the static graph in onnxruntime) against the eager decode."""
import warnings

import numpy as np
import pytest
import torch

from popos.codecs.functional import compiled, decode_heatmaps, decode_stats, reset_decode_stats

from test_decode_paths import noisy_gaussians  # noqa: E402  (same folder, rootless tests)

pytest.importorskip('onnxruntime')
SETTINGS = [dict(), dict(fallback='seed'), dict(anchor_mask='monotone', robust_iters=0),
            dict(fallback='width')]


def twice(maps: torch.Tensor, **settings):
    """Decode twice with the default engine choice: the second call is the compiled one."""
    decode_heatmaps(maps, **settings)
    reset_decode_stats()
    out = decode_heatmaps(maps, **settings)
    return out, decode_stats()


def eager(maps: torch.Tensor, **settings):
    reset_decode_stats()
    out = decode_heatmaps(maps, static_graph=False, **settings)
    return out, decode_stats()


def entry(maps: torch.Tensor, **settings) -> compiled._Entry:
    """The compile-cache entry of the plan these maps and settings decode with (one call)."""
    decode_heatmaps(maps, **settings)
    plans = [e for e in compiled._CACHE.values() if e.plan.height == maps.shape[-2]
             and e.plan.width == maps.shape[-1] and all(
                 getattr(e.plan, k) == v for k, v in settings.items()
                 if k in e.plan._fields)]
    assert plans
    return plans[-1]


def entry_of(maps: torch.Tensor, **settings):
    """The entry without calling the decoder, or None."""
    from popos.codecs.functional.decode_plan import _cached_plan
    import inspect
    defaults = {k: p.default for k, p in inspect.signature(decode_heatmaps).parameters.items()
                if k not in ('heatmaps', 'static_graph')}
    plan = _cached_plan(maps.shape[-2], maps.shape[-1], 'cpu',
                        tuple({**defaults, **settings}.items()))
    return compiled._CACHE.get(plan[:compiled._SETTING_FIELDS])


@pytest.mark.parametrize('h,w', [(16, 16), (8, 8), (4, 4), (8, 6)])
@pytest.mark.parametrize('settings', SETTINGS, ids=['default', 'seed', 'monotone', 'width'])
def test_compiled_equals_eager_with_the_same_fallbacks_counted(h, w, settings):
    # noisy maps, some without a peak worth fitting: the graph leaves those to the eager
    # fallback, so answers and fallback counts are the eager decoder's
    maps = noisy_gaussians(1, 98, h, w, seed=h * w, noise=0.08, amp=(0.2, 1.0))
    maps[0, :20] = torch.rand(20, h, w, generator=torch.Generator().manual_seed(1))
    maps = torch.cat([maps, maps.flip(1), maps.roll(1, 1)])  # B = 3: the batch axis is traced
    (kpts, scores), stats = twice(maps, **settings)
    assert entry_of(maps, **settings).compiled is not None, 'the compiled path did not run'
    (ref_kpts, ref_scores), ref_stats = eager(maps, **settings)
    assert ref_stats['pseudorange_rejected'] > 0, 'no fallback exercised'
    assert stats == ref_stats
    torch.testing.assert_close(scores, ref_scores)
    assert (kpts - ref_kpts).abs().max() < 1e-3
    assert kpts.dtype == torch.float32 and kpts.shape == (3, 98, 2)
    # numpy in, numpy out: the same numbers without the tensor round trip
    reset_decode_stats()
    np_kpts, np_scores = decode_heatmaps(maps.numpy(), **settings)
    assert isinstance(np_kpts, np.ndarray) and np_kpts.shape == (3, 98, 2)
    np.testing.assert_array_equal(np_kpts, kpts.numpy())
    np.testing.assert_array_equal(np_scores, scores.numpy())
    assert decode_stats() == stats


@pytest.mark.parametrize('h', [32, 64])
def test_larger_maps_stay_eager(h):
    # whole-map passes cost onnxruntime more than PyTorch from 32x32 on
    maps = noisy_gaussians(1, 20, h, h, seed=h)
    (kpts, _), _ = twice(maps)
    assert entry_of(maps) is None
    torch.testing.assert_close(kpts, eager(maps)[0][0], rtol=0, atol=0)


def test_degenerate_maps_decode_as_eager():
    maps = noisy_gaussians(1, 6, 8, 8, seed=3)
    maps[0, 1] = float('nan')
    maps[0, 2] = 0.25                     # flat
    maps[0, 3] = 0.0
    maps[0, 4, 2, 5] = float('inf')
    maps[0, 5] -= 2.0                     # all negative: no peak
    (kpts, scores), stats = twice(maps)
    (ref_kpts, ref_scores), ref_stats = eager(maps)
    assert stats == ref_stats and stats['landmarks'] == 2
    torch.testing.assert_close(scores, ref_scores)
    torch.testing.assert_close(kpts, ref_kpts, atol=1e-3, rtol=0)
    torch.testing.assert_close(kpts[0, 1:4], torch.full((3, 2), 3.5))


def test_used_from_the_second_call_for_small_eager_cpu_calls_only(monkeypatch):
    maps = noisy_gaussians(1, 68, 8, 8, seed=7)
    settings = dict(sigma=1.75)           # a plan no other test compiles
    e = entry(maps, **settings)           # first call: eager
    assert e.calls == 1 and e.compiled is None
    state = torch.random.get_rng_state()
    decode_heatmaps(maps, **settings)
    assert e.calls == 2 and e.compiled is not None
    assert torch.equal(torch.random.get_rng_state(), state), 'compiling drew random numbers'
    # explicit eager, the export path, gradients and big batches never run the graph
    runs, real_run = [], compiled.CompiledDecode.run
    monkeypatch.setattr(compiled.CompiledDecode, 'run',
                        lambda self, *a: runs.append(1) or real_run(self, *a))
    decode_heatmaps(maps, **settings)
    assert runs == [1]
    decode_heatmaps(maps, static_graph=False, **settings)
    decode_heatmaps(maps, static_graph=True, **settings)
    big = maps.expand(compiled.MAX_LANDMARKS // 68 + 1, -1, -1, -1).contiguous()
    decode_heatmaps(big, **settings)
    grad = maps.clone().requires_grad_()
    kpts, _ = decode_heatmaps(grad, **settings)
    assert kpts.requires_grad  # the eager autograd path ran, not the graph
    assert runs == [1]
    assert compiled.compiled_decoder(e.plan, maps, None) is e.compiled
    assert compiled.compiled_decoder(e.plan, big, None) is None
    old = compiled.set_compiled_decode(False)
    try:
        assert compiled.compiled_decoder(e.plan, maps, None) is None
    finally:
        compiled.set_compiled_decode(old)
    # a non-float32, non-contiguous input and the caller's inference mode are fine
    with torch.inference_mode():
        odd = maps.double().transpose(2, 3).contiguous().transpose(2, 3)
        torch.testing.assert_close(decode_heatmaps(odd, **settings)[0],
                                   decode_heatmaps(maps, static_graph=False, **settings)[0],
                                   atol=1e-3, rtol=0)


def test_the_cache_keeps_at_most_max_plans(monkeypatch):
    monkeypatch.setattr(compiled, 'MAX_PLANS', 2)
    maps = noisy_gaussians(1, 3, 8, 8, seed=17)
    for i in range(4):
        decode_heatmaps(maps, sigma=1.3 + i / 100)
    assert len(compiled._CACHE) <= 2


def test_a_plan_that_cannot_compile_stays_eager_with_a_warning(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError('exporter broke')

    monkeypatch.setattr(compiled, 'CompiledDecode', broken)
    maps = noisy_gaussians(1, 5, 8, 8, seed=9)
    settings = dict(sigma=1.6)
    decode_heatmaps(maps, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        kpts, _ = decode_heatmaps(maps, **settings)
    assert any('exporter broke' in str(w.message) for w in caught)
    torch.testing.assert_close(kpts, decode_heatmaps(maps, static_graph=False, **settings)[0])
    assert entry(maps, **settings).compiled is None


def test_without_onnxruntime_the_decode_is_eager(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_ort(name, *args, **kwargs):
        if name == 'onnxruntime':
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_ort)
    maps = noisy_gaussians(1, 5, 8, 8, seed=11)
    settings = dict(sigma=1.7)
    with warnings.catch_warnings():
        warnings.simplefilter('error')    # no warning: a missing optional package is normal
        decode_heatmaps(maps, **settings)
        decode_heatmaps(maps, **settings)
    assert entry(maps, **settings).compiled is None


def test_settings_where_the_graph_would_differ_stay_eager():
    # the graph cuts weights at the clip floor by subtracting floor ** power; where that is
    # not negligible the plan is never compiled, so answers do not depend on the call count
    maps = noisy_gaussians(1, 20, 16, 16, seed=13)
    for settings in (dict(clip_floor=0.2), dict(weight_power=0.05)):
        first = decode_heatmaps(maps, **settings)[0]
        second = decode_heatmaps(maps, **settings)[0]
        assert entry_of(maps, **settings) is None
        torch.testing.assert_close(first, second, rtol=0, atol=0)


def test_compiling_ignores_process_defaults_and_rebuilt_plans_reuse_the_graph():
    from popos.codecs.functional.decode_plan import _cached_plan
    maps = noisy_gaussians(1, 7, 8, 8, seed=15)
    settings = dict(sigma=1.55)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)   # eager meanwhile, and not counted
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')   # no "unavailable" warning
            twice(maps, **settings)
    finally:
        torch.set_default_dtype(old)
    assert entry_of(maps, **settings) is None
    with torch.autocast('cpu'):              # compiled under the caller's autocast too
        twice(maps, **settings)
    e = entry_of(maps, **settings)
    assert e is not None and e.compiled is not None
    _cached_plan.cache_clear()               # the plan is rebuilt: the entry is found again
    assert entry_of(maps, **settings) is e
    assert len(compiled._CACHE) <= compiled.MAX_PLANS
