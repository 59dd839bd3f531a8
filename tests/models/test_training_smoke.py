"""30 iterations on a tiny batch: the loss and the POPoS-decoded error both fall."""
import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import popos  # noqa: F401
from popos.codecs import POPoSHeatmap

TINY_HRNET = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                num_channels=(16, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                num_channels=(8, 16)),
    stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                num_channels=(8, 16, 32)),
    stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                num_channels=(8, 16, 32, 64), multiscale_output=True))


def test_loss_and_decoded_error_fall_in_30_iterations():
    torch.manual_seed(0)
    size, hm, k, n = 64, 8, 3, 6
    codec_cfg = dict(type='POPoSHeatmap', input_size=(size, size), heatmap_size=(hm, hm), sigma=1.5)
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='LowResHRNet', extra=TINY_HRNET, heatmap_size=hm, input_size=size),
        neck=dict(type='FeatureMapProcessor', concat=True),
        head=dict(type='POPoSHead', in_channels=120, out_channels=k, deconv_out_channels=None,
                  conv_out_channels=(32, ), conv_kernel_sizes=(1, ), decoder=codec_cfg,
                  loss=dict(type='MultilaterationAnchorLoss')),
        test_cfg=dict(flip_test=False)))
    codec = POPoSHeatmap(input_size=(size, size), heatmap_size=(hm, hm), sigma=1.5)
    rng = np.random.default_rng(0)
    kpts = rng.uniform(10, 54, (n, 1, k, 2)).astype(np.float32)
    images = torch.zeros(n, 3, size, size)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
    samples = []
    for i in range(n):
        for j in range(k):   # keypoint j is a blob in colour channel j
            x, y = kpts[i, 0, j]
            images[i, j] += torch.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 8.0)
        enc = codec.encode(kpts[i])
        ds = PoseDataSample(metainfo=dict(input_size=(size, size),
                                          input_center=np.array([32., 32.]),
                                          input_scale=np.array([64., 64.]), flip_indices=[0, 1, 2]))
        ds.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        ds.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        ds.gt_instances = InstanceData(keypoints=kpts[i], bboxes=np.array([[0, 0, 64, 64.]]),
                                       bbox_scales=np.array([[64., 64.]]))
        samples.append(ds)

    def decoded_error() -> float:
        # Batch statistics: BN running averages are not settled after 30 steps.
        model.train()
        with torch.no_grad():
            preds = model.head.predict(model.extract_feat(images), samples, test_cfg={})
        return float(np.mean([np.linalg.norm(p.keypoints - kpts[i], axis=-1).mean()
                              for i, p in enumerate(preds)]))

    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    err_before = decoded_error()
    losses = []
    for _ in range(30):
        loss = model.loss(images, samples)
        total = sum(v for key, v in loss.items() if 'loss' in key)
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(total.item())
    err_after = decoded_error()
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), losses
    assert err_after < 0.5 * err_before, (err_before, err_after)
