"""The shipped embedded model ('tiny'): torch, ONNX Runtime and int8 TFLite agree on real faces."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from popos.apis import FaceLandmarker
from popos.weights import get_model_info

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAMPLES = osp.join(osp.dirname(REPO), 'shared', 'data', 'face_samples')


@pytest.fixture(scope='module')
def val_faces(real_300w_val):
    return real_300w_val[::4]  # every 4th val face: 49 faces, a few seconds per backend


def nme(pred, gt):
    return np.linalg.norm(pred - gt, axis=1).mean() / np.linalg.norm(gt[36] - gt[45]) * 100


def test_tiny_is_small_and_ships_its_exports():
    info = get_model_info('tiny')
    assert set(info['exports']) == {'onnxruntime', 'tflite'}
    assert osp.getsize(info['exports']['tflite']) <= 1024 * 1024  # int8, <= 1 MiB
    assert info['GFLOPs'] <= 0.1 and 'non-commercial' in info['terms']


def test_backends_agree_with_each_other_and_with_the_model_zoo(val_faces):
    info = get_model_info('tiny')
    boxes = [[np.r_[gt.min(0), gt.max(0)]] for _, gt in val_faces]
    errors = {}
    for backend in ('torch', 'onnxruntime', 'tflite'):
        lm = FaceLandmarker('tiny', detector=None, backend=backend)
        errors[backend] = np.array([nme(lm(p, bboxes=b)[0]['keypoints'], gt)
                                    for (p, gt), b in zip(val_faces, boxes)])
    zoo = info['val']['NME_no_flip']
    assert errors['torch'].mean() <= 1.15 * zoo, (errors['torch'].mean(), zoo)
    # ONNX is the same float network; int8 costs a little, face by face
    np.testing.assert_allclose(errors['onnxruntime'], errors['torch'], atol=0.05)
    assert abs(errors['tflite'].mean() - errors['torch'].mean()) <= 0.3
    assert np.median(np.abs(errors['tflite'] - errors['torch'])) <= 0.5


def test_run_model_writes_landmarks_with_the_shipped_int8_model(tmp_path):
    if not osp.isdir(SAMPLES):
        pytest.skip('../shared/data/face_samples is not present')
    import glob
    images = sorted(glob.glob(osp.join(SAMPLES, '300w', '*.png')) +
                    glob.glob(osp.join(SAMPLES, '300w', '*.jpg')))[:2]
    if not images:
        pytest.skip('no 300-W sample images')
    lst = tmp_path / 'images.txt'
    lst.write_text('\n'.join(images))
    out = tmp_path / 'out'
    subprocess.run([sys.executable, 'tools/run_model.py', str(lst), str(out), '--shipped', 'tiny',
                    '--backend', 'tflite', '--layout', '5'], cwd=REPO,
                   check=True, timeout=300, env={**__import__('os').environ,
                                                  'NO_ALBUMENTATIONS_UPDATE': '1'})
    from popos.datasets.pts import load_pts
    for img in images:
        faces = load_pts(str(out / (osp.splitext(osp.basename(img))[0] + '.pts')))
        assert faces and all(f.shape == (5, 2) for f in faces)
        eyes_l, eyes_r, nose, mouth_l, mouth_r = faces[0]
        assert eyes_l[0] < eyes_r[0] and mouth_l[0] < mouth_r[0] and nose[1] > eyes_l[1]


def test_flip_test_is_refused_on_exported_backends():
    with pytest.raises(ValueError, match="flip_test=True needs backend='torch'"):
        FaceLandmarker('tiny', detector=None, backend='tflite', flip_test=True)


def test_decoder_settings_rebuild_the_torch_codec(real_300w_val):
    """decoder= reaches the head's codec: the fast setting lands within a pixel of the default
    on real faces, the 2x2 closed form ('lls') visibly elsewhere; bad settings are refused."""
    from popos.apis import read_image
    faces = real_300w_val[:4]
    boxes = [[*gt.min(0), *gt.max(0)] for _, gt in faces]
    settings = {'default': None, 'fast': dict(anchor_mask='monotone', robust_iters=0),
                'lls': dict(decode_mode='lls')}
    kpts = {}
    for name, decoder in settings.items():
        lm = FaceLandmarker('tiny', detector=None, decoder=decoder)
        if decoder:
            assert all(lm.model.head.decoder.decode_cfg[k.replace('decode_mode', 'mode')] == v
                       for k, v in decoder.items())
        kpts[name] = np.stack([lm(read_image(path), bboxes=[box])[0]['keypoints']
                               for (path, _), box in zip(faces, boxes)])
    shift = {name: np.linalg.norm(kpts[name] - kpts['default'], axis=-1).mean()
             for name in ('fast', 'lls')}
    assert 0 < shift["fast"] < 1.0 < shift["lls"], shift
    with pytest.raises(ValueError, match='unknown decoder settings'):
        FaceLandmarker('tiny', detector=None, decoder=dict(sigma=1.0))
    with pytest.raises(ValueError, match='anchor_mask must be one of'):
        FaceLandmarker('tiny', detector=None, decoder=dict(anchor_mask='rays'))
    with pytest.raises(ValueError, match="decoder settings need backend='torch'"):
        FaceLandmarker('tiny', detector=None, backend='tflite', decoder=dict(robust_iters=0))
