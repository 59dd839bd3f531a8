"""The in-graph latency benchmark runs end to end (onnxruntime, a few rounds)."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))


def test_measure_times_network_decoder_and_every_fallback():
    pytest.importorskip('onnxruntime')
    from in_graph_latency import MODEL_CFG, measure
    res = measure(MODEL_CFG, runs=3, backends=('onnxruntime', ))
    times = res['onnxruntime']
    assert set(times) == {'network'} | {f'{part}, {fallback}'
                                         for part in ('network + decoder', 'decoder alone')
                                         for fallback in ('grid', 'seed', 'width')}
    assert all(t > 0 for t in times.values())


def test_decoder_overrides_keep_each_columns_fallback():
    from in_graph_latency import MODEL_CFG, _modules
    modules = _modules(MODEL_CFG, dict(anchor_mask='monotone', fallback='grid'))
    for fallback in ('grid', 'seed', 'width'):
        for name in (f'decoder alone, {fallback}', f'network + decoder, {fallback}'):
            cfg = modules[name].codec.decode_cfg
            assert cfg['anchor_mask'] == 'monotone' and cfg['fallback'] == fallback


def test_one_face_timing_covers_both_protocols():
    from benchmark_decoders import time_one_face, timing_markdown
    res = time_one_face([4], [5], faces=2, input_size=32, sigma=1.0, seed=0, repeats=1)
    assert set(res) == {(5, 4, name, proto) for name in ('DARK', 'numpy', 'torch', 'eager')
                        for proto in ('back to back', 'after another')}
    assert all(t > 0 for t in res.values())
    table = timing_markdown({}, res, [4], 64, 5)
    assert table.count('| 5 | 4×4 |') == 1 and table.count('×)') == 6


def test_eager_timing_switches_the_compiled_decode_off_only_for_its_call(monkeypatch):
    import torch
    from benchmark_decoders import eager_decode

    import popos.codecs.functional.popos_decode as decode_module
    from popos.codecs import POPoSHeatmap
    from popos.codecs.functional import compiled
    seen, real = [], compiled.compiled_decoder

    def spy(*args):
        seen.append(compiled._STATE['enabled'])
        return real(*args)

    monkeypatch.setattr(decode_module, 'compiled_decoder', spy)
    codec = POPoSHeatmap(input_size=(32, 32), heatmap_size=(4, 4), sigma=1.0)
    eager_decode(codec, torch.rand(1, 3, 4, 4))
    codec.batch_decode_tensor(torch.rand(1, 3, 4, 4))
    assert seen == [False, True]
