"""demo/image_demo.py, demo/video_demo.py and tools/run_model.py on real photos (shipped model)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REAL_300W = osp.join(osp.dirname(REPO), 'shared', 'data', '300w')


@pytest.fixture(scope='module')
def real_photo():
    if not osp.isdir(REAL_300W):
        pytest.skip('../shared/data/300w is not present')
    with open(osp.join(REAL_300W, 'annotations', 'face_landmarks_300w_valid.json')) as f:
        coco = json.load(f)
    return osp.join(REAL_300W, 'images', coco['images'][0]['file_name'])


def run(*args):
    return subprocess.run([sys.executable] + [str(a) for a in args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_video_demo_tracks_one_face_through_a_moving_clip(real_photo, tmp_path):
    import cv2
    sys.path.insert(0, REPO)
    from tools.analysis.benchmark_smoothing import make_clip
    frames, _ = make_clip(cv2.imread(real_photo), 4, 4, speed=2.0)
    clip = str(tmp_path / 'clip.mp4')
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(clip, cv2.VideoWriter_fourcc(*'mp4v'), 10, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    out = tmp_path / 'out.mp4'
    res = run('demo/video_demo.py', clip, '--out', out, '--min-cutoff', '0.5',
              '--decoder', 'anchor_mask=monotone', 'robust_iters=0')
    assert res.returncode == 0, res.stderr
    assert out.is_file()
    data = json.loads((tmp_path / 'out.json').read_text())
    assert len(data['frames']) == 8
    ids = {f['track_id'] for frame in data['frames'] for f in frame['faces']}
    assert ids == {0}, 'one face must keep one identity'
    assert all(np.asarray(f['keypoints']).shape == (68, 2) for frame in data['frames']
               for f in frame['faces'])


def test_image_demo_and_run_model_write_one_file_per_image(real_photo, tmp_path):
    import cv2
    import shutil
    images = tmp_path / 'images'
    images.mkdir()
    photo = shutil.copy(real_photo, images)
    res = run('demo/image_demo.py', photo, '--out-dir', tmp_path / 'demo', '--model', 'tiny')
    assert res.returncode == 0, res.stderr
    stem = osp.splitext(osp.basename(real_photo))[0]
    faces = json.loads((tmp_path / 'demo' / f'{stem}.json').read_text())['faces']
    assert faces and (tmp_path / 'demo' / f'{stem}.jpg').is_file()
    assert (tmp_path / 'demo' / f'{stem}.pts').is_file()

    cv2.imwrite(str(images / 'blank.png'), np.full((64, 64, 3), 127, np.uint8))
    lst = tmp_path / 'list.txt'
    lst.write_text(f'{photo}\nimages/blank.png\nimages/missing.jpg\n')
    res = run('tools/run_model.py', lst, tmp_path / 'out', '--layout', '51', '--shipped', 'tiny')
    assert res.returncode == 0, res.stderr
    assert 'missing.jpg' in res.stderr
    from popos.datasets.pts import load_pts
    assert load_pts(str(tmp_path / 'out' / f'{stem}.pts'))[0].shape == (51, 2)
    assert (tmp_path / 'out' / 'blank.pts').read_text() == ''  # no face: an empty result
    # (the demo's empty .pts for no face: tests/apis/test_cli_demos.py)
    # (a list of unreadable images only: tests/apis/test_cli_run_model.py)
