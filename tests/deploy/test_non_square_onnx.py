"""ONNX with the POPoS decoder in the graph on non-square maps (COCO body, 192x256 crops).

The exported decoder must equal the eager codec on ideal and perturbed 48x64, 12x16 and 6x8
maps, and mmdeploy must export the body config (switched to 6x8) with keypoints in input-crop
pixels that match PyTorch's forward + codec decode.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from .conftest import assert_keypoint_parity, deploy_cfg, export_decoder

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BODY = osp.join(REPO, 'configs', 'coco', 'td-hm_res50_popos-8xb64-210e_coco-256x192-hm12x16.py')
INPUT = (192, 256)
K = 17


def body_maps(codec, rng: np.random.Generator, n: int, perturbed: bool) -> tuple:
    """(n, K, H, W) maps of known input-px keypoints; perturbed = wider, weaker, noisy."""
    from popos.codecs import POPoSHeatmap
    kpts = np.stack([rng.uniform(0, INPUT[0] - 1, (n, K)), rng.uniform(0, INPUT[1] - 1, (n, K))],
                    -1).astype(np.float32)
    enc = codec
    if perturbed:
        enc = POPoSHeatmap(INPUT, codec.heatmap_size, sigma=1.2 * codec.sigma)
    maps = np.stack([enc.encode(k[None])['heatmaps'] for k in kpts])
    if perturbed:
        maps = 0.8 * maps + rng.normal(0, 0.01, maps.shape)
    return maps.astype(np.float32), kpts


@pytest.mark.parametrize('size', [(48, 64), (12, 16), (6, 8)], ids=lambda s: f'{s[0]}x{s[1]}')
def test_decoder_in_onnx_equals_eager_decode(size, tmp_path):
    import onnxruntime as ort

    from popos.codecs import POPoSHeatmap
    codec = POPoSHeatmap(INPUT, size, sigma=2.0)
    rng = np.random.default_rng(0)
    ideal, truth = body_maps(codec, rng, 2, perturbed=False)
    noisy, _ = body_maps(codec, rng, 3, perturbed=True)
    path = export_decoder(codec, ideal[:1], str(tmp_path / 'decoder.onnx'))
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for maps in (ideal, noisy):
        kpts, scores = session.run(None, {'h': maps})
        ref_k, ref_s = codec.batch_decode_tensor(torch.from_numpy(maps))
        assert kpts.shape == (len(maps), K, 2)
        # input px (stride 32 here): the graph's Cramer solve and the eager LU solve differ
        # by float32 rounding, ~1e-4 heatmap px
        assert np.abs(kpts - ref_k.numpy()).max() < 5e-3
        assert np.abs(scores - ref_s.numpy()).max() < 1e-5
    # and the graph's keypoints are the true ones on ideal maps (input px, x < 192, y < 256)
    assert np.abs(session.run(None, {'h': ideal})[0] - truth).max() < 0.01


def test_mmdeploy_exports_the_body_config_at_6x8_with_decode_in_graph(tmp_path):
    import cv2
    import onnx
    from mmengine.config import Config

    from popos.deploy import build_runner, compare, export_onnx
    from popos.utils import set_heatmap_size
    cfg = set_heatmap_size(Config.fromfile(BODY), 8)
    # ResNet-18 keeps the export cheap; the head, codec and decoder are the config's.
    cfg.model.backbone.update(depth=18, init_cfg=None)
    cfg.model.head.in_channels = 512
    from mmpose.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    ckpt = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    img = str(tmp_path / 'person.png')
    cv2.imwrite(img, np.random.default_rng(0).integers(0, 255, (300, 200, 3), dtype=np.uint8))

    path = export_onnx(deploy_cfg('pose-detection_onnxruntime_decode_dynamic.py'), cfg, ckpt,
                       img, str(tmp_path))
    graph = onnx.load(path)
    assert [o.name for o in graph.graph.output] == ['keypoints', 'scores']
    inputs = np.random.default_rng(1).normal(0, 1, (2, 3, INPUT[1], INPUT[0])).astype(np.float32)
    runner = build_runner(path)
    kpts = runner(inputs)[0]
    assert kpts.shape == (2, K, 2)
    # input-crop px on a 192 x 256 crop (6x8 heatmap px would stay below 8)
    assert (kpts[..., 0] <= INPUT[0]).all() and (kpts[..., 1] <= INPUT[1]).all()
    assert kpts[..., 1].max() > 8
    diff = compare(model, runner, inputs, decode=True)
    assert_keypoint_parity(diff, 0.05)
