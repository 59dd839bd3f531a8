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
    assert set(times) == {'network', 'network + decoder, grid', 'network + decoder, seed',
                          'decoder alone, grid', 'decoder alone, seed'}
    assert all(t > 0 for t in times.values())


def test_decoder_overrides_keep_each_columns_fallback():
    from in_graph_latency import MODEL_CFG, _modules
    modules = _modules(MODEL_CFG, dict(anchor_mask='monotone', fallback='grid'))
    for fallback in ('grid', 'seed'):
        for name in (f'decoder alone, {fallback}', f'network + decoder, {fallback}'):
            cfg = modules[name].codec.decode_cfg
            assert cfg['anchor_mask'] == 'monotone' and cfg['fallback'] == fallback


def test_one_face_timing_covers_both_protocols():
    from benchmark_decoders import time_one_face, timing_markdown
    res = time_one_face([4], [5], faces=2, input_size=32, sigma=1.0, seed=0, repeats=1)
    assert set(res) == {(5, 4, name, proto) for name in ('DARK', 'numpy', 'torch')
                        for proto in ('back to back', 'after another')}
    assert all(t > 0 for t in res.values())
    table = timing_markdown({}, res, [4], 64, 5)
    assert table.count('| 5 | 4×4 |') == 1 and table.count('×)') == 4
