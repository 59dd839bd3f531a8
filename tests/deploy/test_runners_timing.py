"""median_ms: the shared latency helper of the deployment and embedded benchmarks."""
from popos.deploy.runners import median_ms


def test_median_ms_warms_up_then_times_each_call_once():
    calls = []
    ms = median_ms(calls.append, runs=7, warmup=3)
    assert calls == [0, 1, 2] + list(range(7))
    assert ms >= 0.0
