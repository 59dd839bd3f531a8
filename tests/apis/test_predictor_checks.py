"""An exported file that is not its config's model is refused, not decoded into garbage."""
import numpy as np
import pytest
import torch


class WrongHeatmaps(torch.nn.Module):
    """(N, 3, 64, 64) -> (N, 68, 4, 4): the shipped tiny's input, another model's heatmaps."""

    def forward(self, x):
        return torch.nn.functional.adaptive_avg_pool2d(x.mean(1, keepdim=True), 4).repeat(
            1, 68, 1, 1)


class WrongKeypoints(torch.nn.Module):
    """(N, 3, 64, 64) -> keypoints (N, 5, 2) and scores (N, 5): a 5-point decode-in-graph model."""

    def forward(self, x):
        k = x.mean((1, 2, 3))[:, None, None].repeat(1, 5, 2)
        return k, k[..., 0]


def _export(module, path: str) -> str:
    from popos.deploy.export import onnx_export_without_dynamo
    with onnx_export_without_dynamo():
        torch.onnx.export(module, (torch.zeros(1, 3, 64, 64), ), path, opset_version=11,
                          dynamic_axes={'input': {0: 'n'}}, input_names=['input'])
    return path


@pytest.mark.parametrize('module,expect', [(WrongHeatmaps(), r'8x8 heatmaps'),
                                           (WrongKeypoints(), r'68 keypoints')])
def test_mismatched_export_is_refused_with_a_clear_error(module, expect, tmp_path):
    from popos.apis import FaceLandmarker
    path = _export(module, str(tmp_path / 'other.onnx'))
    lm = FaceLandmarker('tiny', backend='onnxruntime', weights=path, detector=None)
    img = np.full((96, 96, 3), 128, np.uint8)
    with pytest.raises(ValueError, match=expect + r'.*belong to different models'):
        lm(img, bboxes=[[10, 10, 80, 80]])


def test_run_model_stops_at_a_mismatched_export(tmp_path):
    """One message and a non-zero exit, not one warning per image and wrong .pts files."""
    import os.path as osp
    import runpy

    import cv2
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    tool = runpy.run_path(osp.join(repo, 'tools', 'run_model.py'), run_name='run_model')
    model = _export(WrongHeatmaps(), str(tmp_path / 'other.onnx'))
    (tmp_path / 'imgs').mkdir()
    cv2.imwrite(str(tmp_path / 'imgs' / 'a.png'), np.full((96, 96, 3), 128, np.uint8))
    (tmp_path / 'imgs' / 'list.txt').write_text('a.png\n')
    with pytest.raises(SystemExit, match='belong to different models'):
        tool['main']([str(tmp_path / 'imgs' / 'list.txt'), str(tmp_path / 'out'), '--shipped',
                      'tiny', '--model', model, '--whole-image'])
    assert not (tmp_path / 'out' / 'a.pts').exists()


def test_exported_file_of_another_input_size_is_refused(tmp_path):
    """LiteRT resizes a wrong input silently; onnxruntime fails in a kernel message."""
    from popos.apis import FaceLandmarker
    from popos.deploy.runners import ExportMismatchError
    from popos.weights import get_model_info
    tiny = get_model_info('tiny')['exports']                     # 64 px files
    img = np.full((160, 160, 3), 128, np.uint8)
    for backend in ('tflite', 'onnxruntime'):
        lm = FaceLandmarker('small', backend=backend, weights=tiny[backend], detector=None)
        with pytest.raises(ExportMismatchError, match=r'takes \(3, 64, 64\) inputs.*crops '
                                                      r'\(3, 128, 128\)'):
            lm(img, bboxes=[[20, 20, 140, 140]])
