"""median_ms / interleaved_ms: the shared latency helpers of the deploy and embedded benchmarks."""
from popos.deploy.runners import interleaved_ms, median_ms


def test_median_ms_warms_up_then_times_each_call_once():
    calls = []
    ms = median_ms(calls.append, runs=7, warmup=3)
    assert calls == [0, 1, 2] + list(range(7))
    assert ms >= 0.0


def test_interleaved_ms_calls_the_functions_in_turn():
    calls = []
    out = interleaved_ms([lambda i: calls.append(('a', i)), lambda i: calls.append(('b', i))],
                         runs=3, warmup=1)
    assert calls == [('a', 0), ('b', 0)] + [(f, i) for i in range(3) for f in 'ab']
    assert len(out) == 2 and min(out) >= 0.0


def test_interleaved_ms_shuffled_calls_each_once_per_round_in_varying_order():
    calls = []
    fns = [lambda i, f=f: calls.append((f, i)) for f in 'abc']
    out = interleaved_ms(fns, runs=20, warmup=1, shuffle=True)
    rounds = [calls[3 + 3 * r:6 + 3 * r] for r in range(20)]
    assert calls[:3] == [('a', 0), ('b', 0), ('c', 0)] and len(calls) == 63
    assert all(sorted(r) == [(f, i) for f in 'abc'] for i, r in enumerate(rounds))
    assert len({tuple(f for f, _ in r) for r in rounds}) > 2    # not one fixed order
    assert len(out) == 3 and min(out) >= 0.0
