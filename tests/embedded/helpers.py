"""Tiny model configs shared by the embedded tests."""
import copy

CODEC = dict(type='POPoSHeatmap', input_size=(64, 64), heatmap_size=(4, 4), sigma=1.0)
PREPROCESSOR = dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)


def tiny_student(num_keypoints: int = 98) -> dict:
    """MobileNetV2 x0.25 cut at stride 16: 64x64 -> 4x4, a few thousand parameters."""
    return dict(
        type='TopdownPoseEstimator', data_preprocessor=PREPROCESSOR,
        backbone=dict(type='TruncatedBackbone',
                      backbone=dict(type='MobileNetV2', widen_factor=0.25, out_indices=(4, ))),
        head=dict(type='POPoSHead', in_channels=24, out_channels=num_keypoints,
                  deconv_out_channels=None, conv_out_channels=(32, ), conv_kernel_sizes=(1, ),
                  loss=dict(type='MultilaterationAnchorLoss', use_target_weight=True),
                  decoder=CODEC),
        test_cfg=dict(flip_test=False))


def tiny_teacher(num_keypoints: int = 98) -> dict:
    """A different (wider) network at 8x8 from the same 64x64 crop."""
    cfg = tiny_student(num_keypoints)
    cfg['backbone']['backbone'].update(widen_factor=0.5, out_indices=(2, ))
    cfg['head'].update(in_channels=16,
                       decoder=dict(CODEC, heatmap_size=(8, 8), sigma=1.5))
    return cfg


def tiny_distiller(teacher_ckpt=None, **kwargs) -> dict:
    cfg = copy.deepcopy(tiny_student())
    cfg.update(type='HeatmapDistiller', teacher_cfg=dict(model=tiny_teacher()),
               teacher_ckpt=teacher_ckpt, allow_random_teacher=teacher_ckpt is None,
               distill_losses=[dict(type='TeacherHeatmapMSELoss'),
                               dict(type='TeacherDistanceMapLoss', loss_weight=0.1)])
    cfg.update(kwargs)
    return cfg
