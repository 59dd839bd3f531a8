"""The registered codec: mmpose's codec contract, round trip, registry build, errors."""
import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap
from mmpose.registry import KEYPOINT_CODECS

from popos.codecs import POPoSHeatmap


@pytest.mark.parametrize('hm', [(64, 64), (32, 32), (16, 16), (8, 8), (4, 4), (6, 8)])
@pytest.mark.parametrize('mode', ['popos', 'keypos', 'lls'])
def test_encode_decode_round_trip(hm, mode):
    codec = POPoSHeatmap(input_size=(256, 256), heatmap_size=hm, sigma=2.0, decode_mode=mode)
    rng = np.random.default_rng(0)
    kpts = rng.uniform(8, 248, (1, 98, 2)).astype(np.float32)
    enc = codec.encode(kpts, np.ones((1, 98)))
    assert enc['heatmaps'].shape == (98, hm[1], hm[0])
    assert enc['keypoint_weights'].shape == (1, 98)
    dec, scores = codec.decode(enc['heatmaps'])
    assert dec.shape == (1, 98, 2) and scores.shape == (1, 98)
    # error below 0.05 heatmap px, expressed in input px
    tol = 0.05 * codec.scale_factor
    assert np.all(np.abs(dec - kpts) <= tol), np.abs(dec - kpts).max()


def test_target_equals_mmpose_unbiased_msra():
    ours = POPoSHeatmap(input_size=(192, 256), heatmap_size=(24, 32), sigma=1.5)
    msra = MSRAHeatmap(input_size=(192, 256), heatmap_size=(24, 32), sigma=1.5, unbiased=True)
    kpts = np.array([[[10.3, 20.7], [100.1, 200.9], [191.0, 1.0]]], np.float32)
    a, b = ours.encode(kpts), msra.encode(kpts)
    np.testing.assert_allclose(a['heatmaps'], b['heatmaps'], atol=1e-7)
    np.testing.assert_array_equal(a['keypoint_weights'], b['keypoint_weights'])
    # Untruncated: 4 sigma away (beyond the usual 3-sigma window) the value is exp(-8).
    mu = kpts[0, 0] / ours.scale_factor
    x = int(round(mu[0] + 4 * 1.5))
    expected = np.exp(-((x - mu[0]) ** 2 + (round(mu[1]) - mu[1]) ** 2) / (2 * 1.5 ** 2))
    assert a['heatmaps'][0, int(round(mu[1])), x] == pytest.approx(expected, rel=1e-5)


def test_registry_build_and_decode_settings():
    codec = KEYPOINT_CODECS.build(dict(type='POPoSHeatmap', input_size=(128, 128),
                                       heatmap_size=(8, 8), sigma=1.5, decode_mode='keypos',
                                       topk=12))
    assert isinstance(codec, POPoSHeatmap)
    assert codec.decode_cfg['topk'] == 12 and codec.decode_cfg['sigma'] == 1.5


def test_numpy_decode_equals_tensor_decode_per_face():
    """The one-face numpy path (what a tracker calls) = the batched tensor path."""
    codec = POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), fallback='seed')
    rng = np.random.default_rng(3)
    maps = codec.encode(rng.uniform(8, 248, (1, 68, 2)).astype(np.float32))['heatmaps']
    maps = maps * 0.8 + rng.normal(0, 0.03, maps.shape).astype(np.float32)
    from popos.codecs.functional import set_compiled_decode
    old = set_compiled_decode(False)
    try:  # one engine (eager PyTorch): the same numbers
        kpts, scores = codec.decode(maps)
        batched, bscores = codec.batch_decode(torch.from_numpy(np.stack([maps, maps])))
    finally:
        set_compiled_decode(old)
    np.testing.assert_array_equal(kpts, batched[0, 0][None])
    np.testing.assert_array_equal(scores, bscores[0, 0][None])
    # the compiled one-face decode (from a plan's second call) agrees to solver rounding
    for _ in range(2):
        compiled, cscores = codec.decode(maps)
    np.testing.assert_allclose(compiled, kpts, atol=1e-3, rtol=0)
    np.testing.assert_array_equal(cscores, scores)


def test_bad_input_errors():
    with pytest.raises(ValueError, match='decode_mode'):
        POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), decode_mode='dark')
    with pytest.raises(ValueError, match='refine'):
        POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), refine='newton')
    with pytest.raises(ValueError, match='fallback'):
        POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), fallback='argmax')
    # values outside a setting's domain are named (they crashed deep in the decoder, or were
    # silently replaced by the default)
    for setting, match in ((dict(anchor_radius=-1), 'anchor_radius must be >= 1'),
                           (dict(decode_mode='keypos', topk=-5), 'topk must be an integer >= 1'),
                           (dict(topk=0), 'topk'), (dict(topk=2.5), 'topk'),
                           (dict(refine='none', grid_side=-2), 'grid_side must be > 0'),
                           (dict(grid_side=0), 'grid_side'), (dict(grid_spacing=0), 'spacing'),
                           (dict(sigma=0), 'sigma must be positive'),
                           (dict(clip_floor=0), r'clip_floor must be in \(0, 1\)'),
                           (dict(weight_power=-1), 'weight_power'),
                           (dict(weight_power=0), r'weight_power must be > 0'),
                           (dict(refine='none', grid_spacing=3.5), 'must not exceed grid_side'),
                           (dict(robust_iters='1'), 'robust_iters must be an integer'),
                           (dict(refine_iters=2.5), 'refine_iters must be an integer'),
                           (dict(sigma=float('nan')), 'finite')):
        with pytest.raises(ValueError, match=match):
            POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), **setting)
    # numbers from numpy or torch (configs, sweeps) are numbers
    POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8), sigma=np.float32(2),
                 topk=np.int64(9), robust_iters=np.int32(1), anchor_radius=torch.tensor(3.0))
    codec = POPoSHeatmap(input_size=(256, 256), heatmap_size=(8, 8))
    with pytest.raises(ValueError, match='disagree on the heatmap size'):
        codec.decode(np.zeros((98, 16, 16), np.float32))
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        codec.encode(np.zeros((98, 2)))


def test_invisible_and_nan_keypoints_get_zero_weight():
    codec = POPoSHeatmap(input_size=(64, 64), heatmap_size=(16, 16))
    kpts = np.array([[[10., 10.], [np.nan, 3.], [30., 30.]]], np.float32)
    enc = codec.encode(kpts, np.array([[1., 1., 0.]]))
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1., 0., 0.]])
    assert np.isfinite(enc['heatmaps']).all()
    assert enc['heatmaps'][1].max() == 0 and enc['heatmaps'][2].max() == 0
