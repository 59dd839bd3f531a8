"""POPoSHead: shapes at every size, batched predict == codec decode, flip test, size checks."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import popos  # noqa: F401
from popos.codecs import POPoSHeatmap
from popos.models.heads import HeatmapSizeMismatchError, POPoSHead
from popos.codecs.functional import decode_heatmaps
from popos.models.losses import MultilaterationAnchorLoss
from popos.models.utils import flip_heatmaps_exact, flip_shift, shift_right_gaussian

SIZES = [64, 32, 16, 8, 4]


def make_head(hm: int, in_ch: int = 8, k: int = 5, input_size: int = 256, **kw) -> POPoSHead:
    codec = dict(type='POPoSHeatmap', input_size=(input_size, input_size), heatmap_size=(hm, hm),
                 sigma=2.0)
    return MODELS.build(dict(type='POPoSHead', in_channels=in_ch, out_channels=k,
                             deconv_out_channels=None, decoder=codec, **kw))


def samples(b: int, k: int, hm: int, input_size: int = 256, flip_indices=None):
    codec = POPoSHeatmap(input_size=(input_size, input_size), heatmap_size=(hm, hm))
    rng = np.random.default_rng(0)
    out = []
    for _ in range(b):
        kpts = rng.uniform(20, input_size - 20, (1, k, 2)).astype(np.float32)
        enc = codec.encode(kpts)
        ds = PoseDataSample(metainfo=dict(flip_indices=flip_indices or list(range(k)),
                                          input_size=(input_size, input_size)))
        ds.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        ds.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        ds.gt_instances = InstanceData(keypoints=kpts)
        out.append(ds)
    return out


@pytest.mark.parametrize('hm', SIZES)
def test_forward_loss_predict_shapes(hm):
    head = make_head(hm)
    feats = (torch.randn(2, 8, hm, hm),)
    assert head(feats).shape == (2, 5, hm, hm)
    data = samples(2, 5, hm)
    data[1].gt_instance_labels.keypoint_weights[0, 3] = 0.0     # an invisible landmark
    losses = head.loss(feats, data)
    assert losses['loss_kpt'].ndim == 0 and 'acc_pose' in losses
    pred = head(feats).detach()
    gt = torch.stack([d.gt_fields.heatmaps for d in data])
    weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in data])
    torch.testing.assert_close(losses['loss_kpt'].detach(), head.loss_module(pred, gt, weights))
    # the default KeypointMSELoss(use_target_weight=True): visibility-weighted mean square error
    want = ((pred.numpy() - gt.numpy())**2 * weights.numpy()[..., None, None]).mean()
    assert losses['loss_kpt'].item() == pytest.approx(float(want), rel=1e-5)
    losses['loss_kpt'].backward()
    assert head.final_layer.weight.grad.abs().sum() > 0
    preds = head.predict(feats, data, test_cfg=dict(output_heatmaps=True))
    insts, fields = preds
    assert len(insts) == 2 and insts[0].keypoints.shape == (1, 5, 2)
    assert insts[0].keypoint_scores.shape == (1, 5)
    assert fields[0].heatmaps.shape == (5, hm, hm)


def test_predict_agrees_with_codec_numpy_decode():
    head = make_head(8).eval()
    feats = (torch.randn(3, 8, 8, 8),)
    # Noisy Gaussians, as a trained head outputs: a map of pure noise has no stable answer
    # (its ill-conditioned solves round differently in a batch of 3 and alone).
    data = samples(3, 5, 8)
    rng = np.random.default_rng(5)
    heatmaps = torch.stack([d.gt_fields.heatmaps for d in data]) * 0.8 + torch.from_numpy(
        rng.normal(0, 0.02, (3, 5, 8, 8)).astype(np.float32))
    head.forward = lambda f: heatmaps  # decode exactly these maps
    preds = head.predict(feats, data)
    for i in range(3):
        kp, sc = head.decoder.decode(heatmaps[i].numpy())
        np.testing.assert_allclose(preds[i].keypoints, kp, atol=1e-5)
        np.testing.assert_allclose(preds[i].keypoint_scores, sc, atol=1e-6)


@pytest.mark.parametrize('hm', SIZES)
def test_exact_flip_shift_realigns_gaussians(hm):
    """The flipped image's target, flipped back and shifted, equals the original target."""
    size = 256
    codec = POPoSHeatmap(input_size=(size, size), heatmap_size=(hm, hm), sigma=2.0)
    kpts = np.array([[[100.3, 80.6], [30.0, 200.2]]], np.float32)
    mirrored = kpts.copy()
    mirrored[..., 0] = size - 1 - kpts[..., 0]        # mmpose's image-flip convention
    orig = torch.from_numpy(codec.encode(kpts)['heatmaps'])[None]
    flip = torch.from_numpy(codec.encode(mirrored)['heatmaps'])[None]
    back = flip_heatmaps_exact(flip, [0, 1], size, sigma=2.0)
    torch.testing.assert_close(back, orig, atol=2e-5, rtol=1e-4)
    assert abs(flip_shift(size, hm) - (1 - hm / size)) < 1e-12
    # mmpose's one-pixel shift is measurably off; ours decodes to the same point.
    dec_exact, _ = codec.decode(back[0].numpy())
    naive = torch.cat([flip.flip(-1)[..., :1], flip.flip(-1)[..., :-1]], -1)
    dec_naive, _ = codec.decode(naive[0].numpy())
    err_exact = np.abs(dec_exact - kpts).max()
    err_naive = np.abs(dec_naive - kpts).max()
    assert err_exact < 0.05 * size / hm
    assert err_naive > 0.5 * (size / hm) * (hm / size)   # the 1/s px residual of the naive shift


def test_flip_test_on_symmetric_input_gives_symmetric_output():
    """A mirror-symmetric image and a model of mirror-equivariant maps give mirrored pairs."""
    torch.manual_seed(0)
    size, hm, k = 64, 16, 4
    flip_indices = [1, 0, 3, 2]
    head = make_head(hm, in_ch=3, k=k, input_size=size, flip_shift='exact').eval()
    codec = head.decoder
    left = np.array([[[20.3, 30.7], [42.7, 30.7], [12.0, 50.2], [51.0, 50.2]]], np.float32)
    # features are the targets of the left-right symmetric layout itself (x -> 63 - x)
    tgt = torch.from_numpy(codec.encode(left)['heatmaps'])[None]
    mirrored = left.copy()
    mirrored[..., 0] = size - 1 - left[..., 0]
    tgt_flip = torch.from_numpy(codec.encode(mirrored[:, flip_indices])['heatmaps'])[None]
    head.forward = lambda feats: feats[0]
    data = samples(1, k, hm, input_size=size, flip_indices=flip_indices)
    pred = head.predict([(tgt,), (tgt_flip,)], data, test_cfg=dict(flip_test=True))[0]
    kp = pred.keypoints[0]
    np.testing.assert_allclose(kp[0, 0] + kp[1, 0], size - 1, atol=0.05)
    np.testing.assert_allclose(kp[2, 0] + kp[3, 0], size - 1, atol=0.05)
    np.testing.assert_allclose(kp, left[0], atol=0.05)


def test_heatmap_size_mismatch_is_refused_on_load():
    trained = make_head(8)
    state = trained.state_dict()
    assert state['trained_heatmap_hw'].tolist() == [8, 8]
    other = make_head(16)
    with pytest.raises(HeatmapSizeMismatchError, match=r'trained with 8x8 heatmaps'):
        other.load_state_dict(state)
    make_head(8).load_state_dict(state)   # same size loads


def test_network_output_size_must_match_codec():
    head = make_head(8)
    with pytest.raises(ValueError, match='produces 16x16 heatmaps'):
        head((torch.randn(1, 8, 16, 16),))


def test_downsample_layers_reach_4x4_from_stride_32_features():
    torch.manual_seed(0)
    head = make_head(4, in_ch=32, downsample_out_channels=(16,)).eval()
    block = head.downsample_layers[0]
    with torch.no_grad():   # non-trivial BN statistics, so the normalisation is checked too
        block.bn.running_mean.uniform_(-1, 1)
        block.bn.running_var.uniform_(0.5, 2)
        block.bn.weight.uniform_(0.5, 2)
        block.bn.bias.uniform_(-1, 1)
    feats = (torch.randn(2, 8, 16, 16), torch.randn(2, 32, 8, 8))
    out = head(feats)
    assert out.shape == (2, 5, 4, 4)
    # the last feature through a stride-2 3x3 conv (padding 1), eval BN, ReLU, the 1x1 head
    bn = block.bn
    x = torch.nn.functional.conv2d(feats[-1], block.conv.weight, block.conv.bias, stride=2,
                                   padding=1)
    x = (x - bn.running_mean[:, None, None]) / torch.sqrt(bn.running_var[:, None, None] + bn.eps)
    x = (x * bn.weight[:, None, None] + bn.bias[:, None, None]).clamp(min=0)
    want = torch.nn.functional.conv2d(x, head.final_layer.weight, head.final_layer.bias)
    torch.testing.assert_close(out, want, atol=1e-5, rtol=1e-5)


def test_loss_list_and_combined_loss():
    feats = (torch.randn(2, 8, 8, 8),)
    data = samples(2, 5, 8)
    data[0].gt_instance_labels.keypoint_weights[0, 1] = 0.0     # an invisible landmark
    head = make_head(8, loss=[dict(type='KeypointMSELoss', use_target_weight=True),
                              dict(type='MultilaterationAnchorLoss', mse_weight=0.0)])
    losses = head.loss(feats, data)
    assert set(k for k in losses if k.startswith('loss')) == {
        'loss_0_KeypointMSELoss', 'loss_1_MultilaterationAnchorLoss'}
    gt = torch.stack([d.gt_fields.heatmaps for d in data])
    weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in data])
    pred = head(feats).detach()
    torch.testing.assert_close(losses['loss_0_KeypointMSELoss'].detach(),
                               KeypointMSELoss(use_target_weight=True)(pred, gt, weights))
    torch.testing.assert_close(losses['loss_1_MultilaterationAnchorLoss'].detach(),
                               MultilaterationAnchorLoss(mse_weight=0.0)(pred, gt, weights))
    head = make_head(8, loss=dict(type='CombinedLoss', losses=dict(
        mse=dict(type='KeypointMSELoss'), ma=dict(type='MultilaterationAnchorLoss'))))
    losses = head.loss(feats, data)
    assert set(k for k in losses if k.startswith('loss')) == {'loss_mse', 'loss_ma'}
    pred = head(feats).detach()
    torch.testing.assert_close(losses['loss_mse'].detach(), KeypointMSELoss()(pred, gt, weights))
    torch.testing.assert_close(losses['loss_ma'].detach(),
                               MultilaterationAnchorLoss()(pred, gt, weights))


def test_flip_extrapolation_is_capped_on_noisy_tails_and_exact_just_outside():
    """A noisy near-zero border must not extrapolate to a false peak; a real Gaussian still does."""
    sigma = 1.5
    hm = torch.zeros(1, 1, 8, 8)
    ys, xs = torch.meshgrid(torch.arange(8.), torch.arange(8.), indexing='ij')
    hm[0, 0] = torch.exp(-((xs - 4.2) ** 2 + (ys - 3.6) ** 2) / (2 * sigma ** 2))
    hm[0, 0, :, 0], hm[0, 0, :, 1], hm[0, 0, :, 2] = 0.02, -0.01, 0.03   # network noise
    out = shift_right_gaussian(hm, 0.9, sigma)
    assert out[..., 0].max() < 0.05            # uncapped: exp(3 ln .02 - 3 ln 1e-12 + ln .03) -> 1
    dec, _ = decode_heatmaps((hm + out) / 2, sigma=sigma, mode='keypos')
    assert (dec[0, 0] - torch.tensor([4.2 + 0.45, 3.6])).norm() < 0.5   # between the two peaks
    # a Gaussian centred 0.8 px left of the map is still shifted exactly
    g = torch.exp(-((xs + 0.8) ** 2 + (ys - 3.0) ** 2) / (2 * sigma ** 2))[None, None]
    want = torch.exp(-((xs + 0.8 - 0.9) ** 2 + (ys - 3.0) ** 2) / (2 * sigma ** 2))[None, None]
    torch.testing.assert_close(shift_right_gaussian(g, 0.9, sigma), want, atol=1e-5, rtol=1e-4)


def test_exact_flip_shift_without_codec_geometry_is_refused():
    head = POPoSHead(in_channels=3, out_channels=2, deconv_out_channels=None,
                     heatmap_size=(8, 8), flip_shift='exact').eval()
    with pytest.raises(ValueError, match="needs a decoder with `sigma` and `input_size`"):
        head.flip_back(torch.rand(1, 2, 8, 8), [1, 0], {})
