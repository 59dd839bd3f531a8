"""demo/image_demo.py and demo/video_demo.py: clear exits for bad input, outputs that never
replace an input or each other, an empty .pts for no face, and the exported backends."""
import hashlib
import json
import os
import os.path as osp
import runpy
import subprocess
import sys

import cv2
import numpy as np
import pytest

from popos.weights import get_model_info

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REAL_300W = osp.join(osp.dirname(REPO), 'shared', 'data', '300w')
IMAGE_DEMO = runpy.run_path(osp.join(REPO, 'demo', 'image_demo.py'), run_name='image_demo')
VIDEO_DEMO = runpy.run_path(osp.join(REPO, 'demo', 'video_demo.py'), run_name='video_demo')


@pytest.fixture(scope='module')
def photo():
    photos = osp.join(REAL_300W, 'images', 'afw')
    if not osp.isdir(photos):
        pytest.skip('../shared/data/300w is not present')
    return osp.join(photos, sorted(os.listdir(photos))[0])


def image_demo(*argv):
    return IMAGE_DEMO['main']([str(a) for a in argv])


def video_demo(*argv):
    return VIDEO_DEMO['run'](VIDEO_DEMO['parse_args']([str(a) for a in argv]))


def md5(path):
    return hashlib.md5(open(path, 'rb').read()).hexdigest()


def test_image_demo_never_writes_over_the_input(photo, tmp_path):
    img = tmp_path / 'ow' / 'photo.jpg'
    img.parent.mkdir()
    img.write_bytes(open(photo, 'rb').read())
    before = md5(img)
    with pytest.raises(SystemExit, match='is the directory of the input'):
        image_demo(img, '--out-dir', img.parent, '--model', 'tiny')
    assert md5(img) == before and os.listdir(img.parent) == ['photo.jpg']


def test_image_demo_keeps_same_stems_apart_and_writes_empty_pts(photo, tmp_path, capsys):
    src = tmp_path / 'in'
    src.mkdir()
    face = cv2.imread(photo)
    cv2.imwrite(str(src / 'a.jpg'), face)
    cv2.imwrite(str(src / 'a.png'), face)
    cv2.imwrite(str(src / 'blank.png'), np.full((48, 48, 3), 127, np.uint8))
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'blank.pts').write_text('stale result')
    assert image_demo(src, '--out-dir', out, '--model', 'tiny') == 0
    for name in ('a.jpg', 'a.png'):
        faces = json.loads((out / f'{name}.json').read_text())['faces']
        assert json.loads((out / f'{name}.json').read_text())['image'].endswith(name)
        assert len(faces) == 1 and (out / f'{name}.jpg').is_file()
        assert (out / f'{name}.pts').read_text().count('n_points: 68') == 1
    assert (out / 'blank.pts').read_text() == ''  # no face: empty, the stale one replaced
    assert json.loads((out / 'blank.json').read_text())['faces'] == []


@pytest.mark.parametrize('argv, message', [
    (['--model', 'bogus'], '--model bogus: neither a shipped model'),
    (['--model', 'tiny', '--backend', 'tflite', '--flip-test'], '--flip-test needs --backend'),
    (['--model', 'tiny', '--backend', 'tflite', '--weights',
      get_model_info('tiny')['exports']['onnxruntime']], '--backend tflite needs a .tflite'),
    (['--model', 'tiny', '--weights', get_model_info('tiny')['exports']['tflite']],
     'add --backend tflite'),
    (['--model', 'default', '--backend', 'onnxruntime'], 'has no onnxruntime export'),
])
def test_image_demo_refuses_bad_models_in_one_line(argv, message, photo, tmp_path):
    with pytest.raises(SystemExit) as exc:
        image_demo(photo, '--out-dir', tmp_path / 'o', *argv)
    assert message in str(exc.value.code)


def test_image_demo_bad_input_is_a_message_not_silence(tmp_path):
    (tmp_path / 'empty').mkdir()
    res = subprocess.run([sys.executable, 'demo/image_demo.py', str(tmp_path / 'empty'),
                          '--out-dir', str(tmp_path / 'o'), '--model', 'bogus'], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and 'no image in' in res.stderr, res.stderr
    assert 'Traceback' not in res.stderr


@pytest.mark.parametrize('backend, weights', [
    ('tflite', None), ('onnxruntime', get_model_info('tiny')['exports']['onnxruntime'])])
def test_image_demo_runs_the_shipped_exports(backend, weights, photo, tmp_path):
    argv = ['--model', 'tiny', '--backend', backend] + (['--weights', weights] if weights else [])
    assert image_demo(photo, '--out-dir', tmp_path, *argv) == 0
    stem = osp.splitext(osp.basename(photo))[0]
    faces = json.loads((tmp_path / f'{stem}.json').read_text())['faces']
    assert faces and np.asarray(faces[0]['keypoints']).shape == (68, 2)


@pytest.fixture()
def clip(photo, tmp_path):
    """Three frames of a real face, 96 px."""
    path = str(tmp_path / 'clip.mp4')
    frame = cv2.resize(cv2.imread(photo), (96, 96))
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (96, 96))
    for _ in range(3):
        writer.write(frame)
    writer.release()
    return path


def test_video_demo_creates_the_output_directory_and_reports_both_files(clip, tmp_path,
                                                                        capsys):
    out = tmp_path / 'new' / 'dir' / 'out.avi'
    assert video_demo(clip, '--out', out, '--model', 'tiny', '--backend', 'tflite') == 0
    assert out.is_file() and cv2.VideoCapture(str(out)).read()[0]
    frames = json.loads((tmp_path / 'new' / 'dir' / 'out.json').read_text())['frames']
    assert len(frames) == 3
    assert '3 frame(s), ' in capsys.readouterr().out
    # the flip test, as in image_demo (PyTorch backend)
    flipped = tmp_path / 'flip.avi'
    assert video_demo(clip, '--out', flipped, '--model', 'tiny', '--flip-test',
                      '--max-frames', '1') == 0
    assert len(json.loads((tmp_path / 'flip.json').read_text())['frames']) == 1


def test_video_demo_refuses_bad_outputs_and_sources(clip, tmp_path, monkeypatch):
    with pytest.raises(SystemExit) as exc:  # argparse: no extension, no codec to choose
        video_demo(clip, '--out', tmp_path / 'res', '--model', 'tiny')
    assert exc.value.code == 2
    with pytest.raises(SystemExit, match='would replace the source video'):
        video_demo(clip, '--out', clip, '--model', 'tiny')
    text = tmp_path / 'x.mp4'
    text.write_text('not a video')
    with pytest.raises(SystemExit, match='cannot read a frame from .*x.mp4'):
        video_demo(text, '--out', tmp_path / 'y.mp4', '--model', 'tiny')
    assert not (tmp_path / 'y.mp4').exists() and not (tmp_path / 'y.json').exists()

    class ClosedWriter:  # a codec OpenCV's build lacks: the writer does not open
        def __init__(self, *args):
            pass

        def isOpened(self):
            return False

    # bad smoothing is a usage error before anything is loaded: an existing --out survives
    keep = tmp_path / 'keep.mp4'
    keep.write_bytes(b'an earlier result')
    for flag in (('--beta', '-1'), ('--min-cutoff', '0'), ('--d-cutoff', '0'),
                 ('--iou-thr', '2'), ('--flip-test', '--backend', 'tflite')):
        with pytest.raises(SystemExit) as exc:
            video_demo(clip, '--out', keep, '--model', 'tiny', *flag)
        assert exc.value.code == 2
    assert keep.read_bytes() == b'an earlier result'

    monkeypatch.setattr(cv2, 'VideoWriter', ClosedWriter)
    with pytest.raises(SystemExit, match='cannot write the video'):
        video_demo(clip, '--out', tmp_path / 'z.mp4', '--model', 'tiny')
    assert not (tmp_path / 'z.json').exists()
