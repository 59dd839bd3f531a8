"""The in-graph latency benchmark runs end to end (onnxruntime, a few rounds)."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))


def test_measure_times_network_decoder_and_both_fallbacks():
    pytest.importorskip('onnxruntime')
    from in_graph_latency import MODEL_CFG, measure
    res = measure(MODEL_CFG, runs=3, backends=('onnxruntime', ))
    times = res['onnxruntime']
    assert set(times) == {'network', 'network + decoder', 'decoder alone, grid',
                          'decoder alone, seed'}
    assert all(t > 0 for t in times.values())
