"""ONNX export through mmdeploy: parity of both export modes, evaluation of the exported model."""
import numpy as np
import onnx
import pytest
import torch

from .conftest import assert_keypoint_parity, deploy_cfg, export_decoder

KEYPOINT_TOL_PX = 0.05


@pytest.fixture(scope='module')
def heatmap_onnx(model_cfg, checkpoint, test_image, tmp_path_factory):
    from popos.deploy import export_onnx
    work = str(tmp_path_factory.mktemp('onnx_hm'))
    return export_onnx(deploy_cfg('pose-detection_onnxruntime_dynamic.py'), model_cfg,
                       checkpoint, test_image, work)


@pytest.fixture(scope='module')
def decode_onnx(model_cfg, checkpoint, test_image, tmp_path_factory):
    from popos.deploy import export_onnx
    work = str(tmp_path_factory.mktemp('onnx_dec'))
    return export_onnx(deploy_cfg('pose-detection_onnxruntime_decode_dynamic.py'), model_cfg,
                       checkpoint, test_image, work)


def test_graphs_are_opset11_with_the_mode_outputs(heatmap_onnx, decode_onnx):
    for path, outputs in ((heatmap_onnx, ['output']), (decode_onnx, ['keypoints', 'scores'])):
        model = onnx.load(path)
        onnx.checker.check_model(model)
        assert [o.name for o in model.graph.output] == outputs
        assert max(op.version for op in model.opset_import if op.domain in ('', 'ai.onnx')) == 11


def test_heatmap_export_matches_pytorch(heatmap_onnx, pose_model, val_inputs):
    from popos.deploy import build_runner, compare
    diff = compare(pose_model, build_runner(heatmap_onnx), val_inputs, decode=False)
    assert diff['heatmap_max_abs'] < 1e-4, diff
    assert_keypoint_parity(diff, KEYPOINT_TOL_PX)


def test_decode_in_graph_matches_pytorch_decode(decode_onnx, pose_model, val_inputs):
    from popos.deploy import build_runner, compare
    from popos.deploy.parity import reference_outputs
    runner = build_runner(decode_onnx)
    diff = compare(pose_model, runner, val_inputs, decode=True)  # batch of 4, dynamic axis
    assert_keypoint_parity(diff, KEYPOINT_TOL_PX)
    assert diff['score_max_abs'] < 1e-4, diff
    # the in-graph keypoints are in input-crop px, not heatmap px
    kpts = runner(val_inputs)[0]
    ref = reference_outputs(pose_model, val_inputs)['keypoints']
    assert kpts.shape == ref.shape == (4, 98, 2)
    assert kpts.max() > 8  # an 8x8 heatmap coordinate would never exceed 8


def test_decode_in_graph_on_peaked_maps_equals_codec(pose_model, tmp_path):
    """On clean Gaussians (sub-pixel positions) the exported decoder equals the codec."""
    import onnxruntime as ort
    codec = pose_model.head.decoder
    rng = np.random.default_rng(0)
    truth = rng.uniform(8, 56, (2, 98, 2)).astype(np.float32)
    heatmaps = np.stack([codec.encode(t[None])['heatmaps'] for t in truth])
    path = export_decoder(codec, heatmaps[:1], str(tmp_path / 'dec.onnx'))
    kpts = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'h': heatmaps})[0]
    ref = codec.batch_decode_tensor(torch.from_numpy(heatmaps))[0].numpy()
    assert np.abs(kpts - ref).max() < 1e-3
    assert np.abs(kpts - truth).max() < 0.5  # and it actually localises


def test_seed_decoder_graph_is_compact(pose_model, tmp_path):
    """fallback='seed' exports ~110 compute nodes, the faster setting 79 and with
    fallback='width' 62; integer tables are int32 constants."""
    from onnx import numpy_helper
    path = export_decoder(pose_model.head.decoder, torch.rand(1, 98, 8, 8),
                          str(tmp_path / 'seed.onnx'), fallback='seed', dynamic_batch=False,
                          anchor_mask='none', robust_iters=1)
    graph = onnx.load(path).graph
    compute = [n.op_type for n in graph.node if n.op_type != 'Constant']
    # on one face a node's overhead is comparable to the arithmetic in it: keep the count
    # down (the 4x4 solves' determinants by 2x2 minors take a few nodes more than the
    # 24-term expansion and a quarter of its arithmetic; a row lookup per factor is two nodes
    # more per solve than one lookup and a split, and ~1 us faster in onnxruntime)
    assert len(compute) <= 109, sorted(compute)
    # Where costs onnxruntime ~3x an elementwise op: only the selections of the (N, 2)
    # answers (fallback, map without a peak) and of the score use it, nothing over a map or
    # the anchor disc
    assert compute.count('Where') <= 3
    # the monotone mask instead of the Cauchy pass: 28 nodes fewer
    fast = export_decoder(pose_model.head.decoder, torch.rand(1, 98, 8, 8),
                          str(tmp_path / 'fast.onnx'), fallback='seed', dynamic_batch=False,
                          anchor_mask='monotone', robust_iters=0)
    fast_ops = [n.op_type for n in onnx.load(fast).graph.node if n.op_type != 'Constant']
    assert len(fast_ops) <= 79 and fast_ops.count('Where') <= 3, sorted(fast_ops)
    # fallback='width' solves its system beside the first in the same nodes: 17 fewer
    width = export_decoder(pose_model.head.decoder, torch.rand(1, 98, 8, 8),
                           str(tmp_path / 'width.onnx'), fallback='width', dynamic_batch=False,
                           anchor_mask='monotone', robust_iters=0)
    width_ops = [n.op_type for n in onnx.load(width).graph.node if n.op_type != 'Constant']
    assert len(width_ops) <= 62 and width_ops.count('Where') <= 3, sorted(width_ops)
    assert compute.count('Cast') <= 1                       # bool -> float, at most once
    tables = [numpy_helper.to_array(n.attribute[0].t) for n in graph.node
              if n.op_type == 'Constant'] + [numpy_helper.to_array(t) for t in graph.initializer]
    # index tables (disc, 2x2 blocks, minor terms) are int32; int64 only in shape constants
    integer = [t for t in tables if t.dtype.kind == 'i' and t.size > 16]
    assert len(integer) >= 4 and all(t.dtype == np.int32 for t in integer), \
        [(t.dtype, t.shape) for t in integer]


# the reference config decodes with the monotone mask and the fixed-width fallback; the
# library's defaults (Cauchy pass) are exported with each other fallback
CAUCHY = dict(anchor_mask='none', robust_iters=1)


@pytest.mark.parametrize('settings', [dict(fallback='grid', **CAUCHY),
                                      dict(fallback='seed', **CAUCHY),
                                      dict(fallback='width', **CAUCHY),
                                      dict(fallback='seed', anchor_mask='monotone',
                                           robust_iters=0),
                                      dict(fallback='width', anchor_mask='monotone',
                                           robust_iters=0)])
def test_exported_decoder_on_degenerate_maps_equals_codec(pose_model, settings, tmp_path):
    """Failed solves are rejected in the graph as in eager: a peak below the clip floor (every
    anchor weight 0, a NaN solve), flat, all-NaN, partly NaN (no peak) and +inf maps decode as
    the codec does, finite."""
    import copy

    import onnxruntime as ort
    codec = copy.copy(pose_model.head.decoder)
    codec.decode_cfg = dict(codec.decode_cfg, **settings)
    rng = np.random.default_rng(1)
    truth = rng.uniform(8, 56, (1, 98, 2)).astype(np.float32)
    maps = np.repeat(codec.encode(truth)['heatmaps'][None], 6, 0)             # (6, 98, 8, 8)
    maps[0] = 0.0
    maps[0, :, 3, 4] = 1e-10                         # a peak, but below the clip floor
    maps[1] = 0.25                                   # flat
    maps[2] = np.nan                                 # all NaN
    maps[3, :, 0, :] = np.nan                        # a NaN row beside the Gaussian
    maps[4, :, 7, 7] = np.inf
    maps[5] = 0.9 * maps[5] + rng.normal(0, 0.02, maps[5].shape)
    path = export_decoder(codec, maps[:1], str(tmp_path / 'dec.onnx'))
    kpts, scores = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'h': maps})
    ref_k, ref_s = codec.batch_decode_tensor(torch.from_numpy(maps))
    assert np.isfinite(kpts).all() and np.isfinite(scores).all()
    assert kpts.min() >= -8 and kpts.max() <= 64     # [-1, 8] heatmap px at stride 8
    # an inf pixel next to a weak tail leaves a solve so ill-conditioned that float32 rounding
    # decides it: defined and finite, but no parity asked of map 4
    same = [0, 1, 2, 3, 5]
    np.testing.assert_allclose(kpts[same], ref_k.numpy()[same], atol=1e-3)
    np.testing.assert_allclose(scores, ref_s.numpy(), atol=1e-6)
    centre = np.full(2, 28.0, np.float32)            # (8 - 1) / 2 heatmap px, times stride 8
    # flat, all NaN, partly NaN: no peak
    assert np.abs(kpts[1:4] - centre).max() < 1e-4 and not scores[1:4].any()


def test_mmdeploy_end2end_model_decodes_with_the_popos_codec(heatmap_onnx, model_cfg, val_inputs):
    """mmdeploy's stock End2EndModel decodes outputs[0] via head.decode -> codec.batch_decode."""
    from mmdeploy.codebase.mmpose.deploy.pose_detection_model import End2EndModel

    from popos.deploy import build_backend_model
    from popos.deploy.backend_model import POPoSEnd2EndModel
    _, model = build_backend_model(deploy_cfg('pose-detection_onnxruntime_dynamic.py'),
                                   model_cfg, [heatmap_onnx])
    assert type(model) is End2EndModel and not isinstance(model, POPoSEnd2EndModel)
    heatmaps = torch.from_numpy(model.wrapper({'input': torch.from_numpy(val_inputs)})['output']
                                .numpy())
    batched = model.head.decode(heatmaps)
    codec = model.head.decoder
    for inst, hm in zip(batched, heatmaps.numpy()):
        kpts, scores = codec.decode(hm)  # the per-sample numpy path
        np.testing.assert_allclose(inst.keypoints, kpts, atol=1e-4)
        np.testing.assert_allclose(inst.keypoint_scores, scores, atol=1e-6)


def test_evaluation_of_both_modes_agrees(heatmap_onnx, decode_onnx, model_cfg, tmp_path):
    """tools/test.py-style evaluation runs test_step on the onnxruntime model in both modes."""
    from popos.deploy import evaluate_backend
    hm = evaluate_backend(deploy_cfg('pose-detection_onnxruntime_dynamic.py'), model_cfg,
                          [heatmap_onnx], str(tmp_path / 'hm'))
    dec = evaluate_backend(deploy_cfg('pose-detection_onnxruntime_decode_dynamic.py'), model_cfg,
                           [decode_onnx], str(tmp_path / 'dec'))
    assert set(hm) >= {'NME', 'FR@0.1', 'AUC@0.1'}
    assert np.isfinite(hm['NME']) and hm['NME'] > 0
    assert abs(hm['NME'] - dec['NME']) < 1e-3


def test_wrong_backend_file_is_refused(model_cfg, heatmap_onnx, decode_onnx, checkpoint,
                                       tmp_path):
    import popos.deploy as pd
    from popos.deploy import build_backend_model
    with pytest.raises(ValueError, match='static batch of 1'):
        pd.evaluate_backend(deploy_cfg('pose-detection_onnxruntime_static.py'), model_cfg,
                            [heatmap_onnx], str(tmp_path), batch_size=4)
    text = tmp_path / 'notes.jpg'
    text.write_text('not an image')
    with pytest.raises(ValueError, match='cannot read image .*notes.jpg'):
        pd.deploy(deploy_cfg('pose-detection_onnxruntime_static.py'), model_cfg, checkpoint,
                  str(text), str(tmp_path / 'work'))
    # a decode-in-graph file with a heatmap config and the other way round
    with pytest.raises(ValueError, match=r'outputs keypoints and scores.*use a \*_decode_\*'):
        build_backend_model(deploy_cfg('pose-detection_onnxruntime_dynamic.py'), model_cfg,
                            [decode_onnx])
    with pytest.raises(ValueError, match='outputs heatmaps but the deploy config expects '
                                         'keypoints'):
        build_backend_model(deploy_cfg('pose-detection_onnxruntime_decode_dynamic.py'),
                            model_cfg, [heatmap_onnx])
    with pytest.raises(ValueError, match='tflite'):
        build_backend_model(deploy_cfg('pose-detection_tflite_fp32_static.py'), model_cfg,
                            [heatmap_onnx])
    with pytest.raises(FileNotFoundError):
        build_backend_model(deploy_cfg('pose-detection_onnxruntime_dynamic.py'), model_cfg,
                            ['/nonexistent.onnx'])


def test_deploy_tool_exports_and_reports_parity(model_cfg, checkpoint, test_image, tmp_path):
    """`python tools/deploy.py DEPLOY_CFG MODEL_CFG CKPT IMG --dump-info`, the README's command:
    writes the ONNX file and deploy.json, whose keypoint parity with PyTorch is within tolerance."""
    import json
    import os.path as osp
    import subprocess
    import sys

    from .conftest import REPO
    cfg_file = str(tmp_path / 'model_cfg.py')
    model_cfg.dump(cfg_file)
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, 'tools/deploy.py',
         deploy_cfg('pose-detection_onnxruntime_decode_static.py'), cfg_file, checkpoint,
         test_image, '--work-dir', str(work), '--dump-info'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads((work / 'deploy.json').read_text())
    assert osp.isfile(info['onnx']) and info['decode_in_graph'] is True
    assert f'ONNX:    {info["onnx"]}' in proc.stdout
    parity = info['parity']['onnxruntime']
    assert_keypoint_parity(parity, KEYPOINT_TOL_PX)
    assert parity['score_max_abs'] < 1e-3, parity
