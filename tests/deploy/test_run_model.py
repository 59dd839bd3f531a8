"""tools/run_model.py: boxes -> crops -> landmarks in image px, .pts / COCO output, bad images
skipped."""
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from .conftest import MODEL_CFG, REPO, deploy_cfg, split_images

TOOL = osp.join(REPO, 'tools', 'run_model.py')


def _run(argv, capsys):
    old = sys.argv
    sys.argv = [TOOL] + [str(a) for a in argv]
    try:
        with pytest.raises(SystemExit) as exc:
            runpy.run_path(TOOL, run_name='__main__')
    finally:
        sys.argv = old
    return exc.value.code, capsys.readouterr()


@pytest.fixture()
def image_list(toy_root, tmp_path):
    broken = tmp_path / 'broken.png'
    broken.write_text('not an image')
    lst = tmp_path / 'list.txt'
    imgs = split_images(toy_root)[:3]
    lst.write_text('\n'.join([imgs[0], str(broken), 'missing.png', imgs[1], imgs[2]]) + '\n')
    return str(lst)


def _gt(toy_root):
    with open(osp.join(toy_root, 'annotations', 'face_landmarks_wflw_test.json')) as f:
        coco = json.load(f)
    names = {im['id']: osp.basename(im['file_name']) for im in coco['images']}
    return {names[a['image_id']]: np.array(a['keypoints']).reshape(-1, 3)[:, :2]
            for a in coco['annotations']}


def test_torch_backend_writes_pts_and_skips_bad_images(image_list, toy_root, checkpoint,
                                                       tmp_path, capsys):
    from popos.datasets.pts import load_pts
    from popos.apis.predictor import JsonBoxes
    out = tmp_path / 'out'
    boxes = osp.join(toy_root, 'annotations', 'face_landmarks_wflw_test.json')
    code, cap = _run([image_list, out, '--model-cfg', MODEL_CFG, '--backend', 'torch',
                      '--checkpoint', checkpoint, '--boxes', boxes, '--draw'], capsys)
    assert code == 0
    assert 'broken.png' in cap.err and 'missing.png' in cap.err
    assert '2 unreadable/failed' in cap.out
    gt = _gt(toy_root)
    # outputs mirror the listed images' directories below their common parent
    root = osp.commonpath([osp.dirname(img) for img in split_images(toy_root)[:3]] +
                          [str(tmp_path)])
    for img in split_images(toy_root)[:3]:
        name = osp.basename(img)
        base = out / osp.relpath(osp.splitext(img)[0], root)
        faces = load_pts(f'{base}.pts')
        assert len(faces) == 1 and faces[0].shape == (98, 2)
        assert osp.isfile(f'{base}_vis.jpg')
        # image px, not crop px: the face sits where the annotation says (untrained model,
        # so only the centroid is checked)
        box = JsonBoxes(boxes)(None, name)[0]
        centre = faces[0].mean(0)
        assert box[0] - 20 < centre[0] < box[2] + 20 and box[1] - 20 < centre[1] < box[3] + 20
        assert gt[name].shape == faces[0].shape
    assert not list(out.rglob('broken*'))


def test_onnx_backend_matches_torch_in_image_px(image_list, toy_root, model_cfg, checkpoint,
                                                test_image, tmp_path, capsys):
    from popos.deploy import export_onnx
    from popos.deploy.export import build_torch_model
    from popos.apis.predictor import LandmarkPredictor, build_predictor
    from popos.deploy.runners import TorchRunner
    onnx_file = export_onnx(deploy_cfg('pose-detection_onnxruntime_decode_dynamic.py'),
                            model_cfg, checkpoint, test_image, str(tmp_path / 'onnx'))
    out = tmp_path / 'coco'
    boxes = osp.join(toy_root, 'annotations', 'face_landmarks_wflw_test.json')
    code, _ = _run([image_list, out, '--model-cfg', MODEL_CFG, '--backend', 'onnxruntime',
                    '--model', onnx_file, '--boxes', boxes, '--format', 'coco'], capsys)
    assert code == 0
    with open(out / 'predictions.json') as f:
        pred = json.load(f)
    assert len(pred['images']) == 3 and len(pred['annotations']) == 3
    # same crops through the PyTorch model give the same image-px landmarks
    import cv2
    from popos.apis.predictor import JsonBoxes
    from popos.deploy.modules import DecodedModel
    predictor = LandmarkPredictor(model_cfg, TorchRunner(DecodedModel(
        build_torch_model(model_cfg, checkpoint))))
    img = cv2.imread(test_image)
    ref = predictor(img, JsonBoxes(boxes)(img, osp.basename(test_image)))[0]
    got = np.array(pred['annotations'][0]['keypoints']).reshape(-1, 3)[:, :2]
    assert np.median(np.linalg.norm(got - ref, axis=1)) < 0.05
    with pytest.raises(ValueError, match='.tflite'):
        build_predictor(model_cfg, 'tflite', onnx_file)


def test_missing_detector_or_checkpoint_is_a_clear_error(image_list, tmp_path, capsys):
    code, _ = _run([image_list, tmp_path / 'x', '--model-cfg', MODEL_CFG, '--backend',
                    'torch'], capsys)
    assert 'needs --checkpoint' in str(code)
    code, cap = _run([image_list, tmp_path / 'x', '--model-cfg', MODEL_CFG, '--backend',
                      'tflite', '--checkpoint', 'ckpt.pth'], capsys)
    assert '--checkpoint is for --backend torch' in str(code)


def test_decoder_settings_reach_the_landmarker(tmp_path):
    tool = runpy.run_path(TOOL, run_name='run_model')
    args = tool['parse_args'](['list.txt', str(tmp_path), '--shipped', 'tiny', '--whole-image',
                               '--decoder', 'anchor_mask=monotone', 'robust_iters=0'])
    cfg = tool['build'](args).model.head.decoder.decode_cfg
    assert cfg['anchor_mask'] == 'monotone' and cfg['robust_iters'] == 0
    args.backend = 'tflite'
    with pytest.raises(SystemExit, match='--decoder needs --backend torch'):
        tool['build'](args)
