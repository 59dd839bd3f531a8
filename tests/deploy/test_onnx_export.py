"""ONNX export through mmdeploy: parity of both export modes, evaluation of the exported model."""
import numpy as np
import onnx
import pytest
import torch

from .conftest import assert_keypoint_parity, deploy_cfg

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


def test_decode_in_graph_on_peaked_maps_equals_codec(pose_model):
    """On clean Gaussians (sub-pixel positions) the exported decoder equals the codec."""
    import onnxruntime as ort

    from popos.deploy.export import onnx_export_without_dynamo
    from popos.deploy.modules import decode_to_input_px
    codec = pose_model.head.decoder

    class Decoder(torch.nn.Module):
        def forward(self, heatmaps):
            return decode_to_input_px(heatmaps, codec)

    rng = np.random.default_rng(0)
    truth = rng.uniform(8, 56, (2, 98, 2)).astype(np.float32)
    heatmaps = np.stack([codec.encode(t[None])['heatmaps'] for t in truth])
    path = '/tmp/_popos_decoder_test.onnx'
    with onnx_export_without_dynamo():
        torch.onnx.export(Decoder(), (torch.from_numpy(heatmaps[:1]), ), path, opset_version=11,
                          input_names=['h'], output_names=['k', 's'],
                          dynamic_axes={'h': {0: 'b'}})
    kpts = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'h': heatmaps})[0]
    ref = codec.batch_decode_tensor(torch.from_numpy(heatmaps))[0].numpy()
    assert np.abs(kpts - ref).max() < 1e-3
    assert np.abs(kpts - truth).max() < 0.5  # and it actually localises


def test_seed_decoder_graph_is_compact(pose_model, tmp_path):
    """fallback='seed' exports ~100 compute nodes; integer tables are int32 constants."""
    import copy

    from onnx import numpy_helper

    from popos.deploy.export import onnx_export_without_dynamo
    from popos.deploy.modules import decode_to_input_px
    codec = copy.copy(pose_model.head.decoder)
    codec.decode_cfg = dict(codec.decode_cfg, fallback='seed')

    class Decoder(torch.nn.Module):
        def forward(self, heatmaps):
            return decode_to_input_px(heatmaps, codec)

    path = str(tmp_path / 'seed.onnx')
    with onnx_export_without_dynamo():
        torch.onnx.export(Decoder(), (torch.rand(1, 98, 8, 8), ), path, opset_version=11)
    graph = onnx.load(path).graph
    compute = [n.op_type for n in graph.node if n.op_type != 'Constant']
    # on one face every node costs about as much as the arithmetic in it: keep the count down
    assert len(compute) <= 105, sorted(compute)
    assert compute.count('Cast') <= 1                       # the flat-map mask only
    tables = [numpy_helper.to_array(n.attribute[0].t) for n in graph.node
              if n.op_type == 'Constant'] + [numpy_helper.to_array(t) for t in graph.initializer]
    big = [t.dtype for t in tables if t.size > 480]
    assert big and np.int64 not in big and np.int32 in big


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


def test_wrong_backend_file_is_refused(model_cfg, heatmap_onnx):
    from popos.deploy import build_backend_model
    with pytest.raises(ValueError, match='tflite'):
        build_backend_model(deploy_cfg('pose-detection_tflite_fp32_static.py'), model_cfg,
                            [heatmap_onnx])
    with pytest.raises(FileNotFoundError):
        build_backend_model(deploy_cfg('pose-detection_onnxruntime_dynamic.py'), model_cfg,
                            ['/nonexistent.onnx'])
