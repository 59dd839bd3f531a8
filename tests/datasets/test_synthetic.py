"""Synthetic faces: landmark semantics, real-format files, determinism."""
import json
import os
import os.path as osp
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from popos.datasets.synthetic.camera import Camera
from popos.datasets.synthetic.face_model import (FaceModel, FaceParams,
                                                 sample_face_params)
from popos.datasets.synthetic.generate import generate_dataset
from popos.datasets.synthetic.layouts import LAYOUTS, layout_points

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAMPLES = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', 'face_samples')
MIM_DATASETS = 'configs/_base_/datasets'

# layout -> (mmpose metainfo, mmpose dataset class, NME normalisation pair)
META = {
    'wflw': ('wflw', 'WFLWDataset', (60, 72)),
    '300w': ('300w', 'Face300WDataset', (36, 45)),
    'cofw': ('cofw', 'COFWDataset', (8, 9)),
    'aflw': ('aflw', 'AFLWDataset', (6, 11)),
    'coco_wholebody_face': ('coco_wholebody_face',
                            'CocoWholeBodyFaceDataset', (36, 45)),
    'lapa': ('lapa', 'LapaDataset', (66, 79)),
    'ivslab51': (None, 'Face51Dataset', (19, 28)),
}
# layout -> (real sample json, generated json, data_prefix of the generated)
FILES = {
    'wflw': ('wflw/test_wflw.json', 'face_landmarks_wflw_test.json',
             'images/'),
    '300w': ('300w/test_300w.json', 'face_landmarks_300w_valid.json',
             'images/'),
    'cofw': ('cofw/test_cofw.json', 'cofw_test.json', 'images/'),
    'aflw': ('aflw/test_aflw.json', 'face_landmarks_aflw_test.json',
             'images/'),
    'coco_wholebody_face': ('coco_wholebody/test_coco_wholebody.json',
                            'coco_wholebody_val_v1.0.json', 'val2017/'),
    'lapa': ('lapa/test_lapa.json', 'lapa_test.json', ''),
}


def flip_indices(layout: str) -> list:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    name = META[layout][0]
    if name is None:
        from popos.metainfo import metainfo_path
        path = metainfo_path('face51')
    else:
        path = f'{MIM_DATASETS}/{name}.py'
    return parse_pose_metainfo(dict(from_file=path))['flip_indices']


def project(params: FaceParams, cam: Camera, layout: str) -> np.ndarray:
    pts, _ = layout_points(FaceModel(params), LAYOUTS[layout])
    return cam.project(pts)


@pytest.mark.parametrize('layout', sorted(META))
def test_mirror_is_consistent_with_metainfo_flip_pairs(layout):
    """Rendering the mirrored face equals mirroring the annotation and
    swapping the metainfo's flip pairs, for asymmetric faces and poses."""
    flip = flip_indices(layout)
    assert len(flip) == LAYOUTS[layout].num_keypoints
    width = 256
    for seed in range(3):
        rng = np.random.default_rng(seed)
        p = replace(sample_face_params(rng, expressive=1.0), eye_open_l=0.3,
                    brow_raise_r=0.9, gaze_x=0.6)
        cam = Camera(yaw=25. - 20 * seed, pitch=10., roll=-15. + 10 * seed,
                     scale=70., cx=120.3, cy=110.)
        kp = project(p, cam, layout)
        kp_m = project(p.mirrored(), cam.mirrored(width), layout)
        expect = np.stack([width - 1 - kp[:, 0], kp[:, 1]], -1)
        np.testing.assert_allclose(kp_m[flip], expect, atol=1e-6)
        # a wrong pairing would move points by a visible amount
        shuffled = np.roll(np.asarray(flip), 1)
        assert np.abs(kp_m[shuffled] - expect).max() > 1.


@pytest.mark.parametrize('layout', sorted(META))
def test_symmetric_frontal_face_is_its_own_mirror(layout):
    flip = flip_indices(layout)
    cam = Camera(scale=80., cx=127.5, cy=100.)
    kp = project(FaceParams(), cam, layout)
    np.testing.assert_allclose(kp[flip, 0], 255 - kp[:, 0], atol=1e-6)
    np.testing.assert_allclose(kp[flip, 1], kp[:, 1], atol=1e-6)


@pytest.mark.parametrize('layout', sorted(META))
def test_normalisation_pair_is_outer_eye_corners(layout):
    """The NME pair is the outermost point of each eye contour in 3D."""
    model = FaceModel(sample_face_params(np.random.default_rng(1)))
    pts, _ = layout_points(model, LAYOUTS[layout])
    a, b = META[layout][2]
    left = np.concatenate([model.curves['eye_l_upper'],
                           model.curves['eye_l_lower']])
    right = np.concatenate([model.curves['eye_r_upper'],
                            model.curves['eye_r_lower']])
    np.testing.assert_allclose(pts[a], left[np.argmin(left[:, 0])], atol=1e-9)
    np.testing.assert_allclose(pts[b], right[np.argmax(right[:, 0])],
                               atol=1e-9)
    assert LAYOUTS[layout].norm_pair == (a, b)


def test_far_side_jaw_is_self_occluded():
    from popos.datasets.synthetic.appearance import sample_look
    from popos.datasets.synthetic.sample import synthesize
    rng = np.random.default_rng(3)
    look = replace(sample_look(rng, 0.), glasses=None, hand=False, obj=False,
                   strands=False, hair_style='none', hairline=-5.)
    # positive yaw turns the face to the image right: its right jaw hides
    s = synthesize(rng, LAYOUTS['300w'], 128, FaceParams(),
                   Camera(yaw=55., scale=40., cx=64, cy=50), look)
    assert s.self_occluded[13:17].all()
    assert not s.self_occluded[0:4].any()
    assert not s.self_occluded[36:48].any()  # both eyes still seen
    assert s.visible[0:4].all() and not s.visible[13:17].any()


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    """A tiny set per layout (64 px), generated once for the module."""
    root = tmp_path_factory.mktemp('synthetic')
    out = {}
    for layout in sorted(META):
        d = str(root / layout)
        out[layout] = (d, generate_dataset(layout, d, 3, 3, 64, seed=5,
                                           workers=1, progress=False))
    return out


def _shape(v):
    """Type signature of a json value (element types for lists)."""
    if isinstance(v, list):
        return ('list', tuple(sorted({_shape(x) for x in v}, key=str)))
    return type(v).__name__


@pytest.mark.parametrize('layout', sorted(FILES))
def test_files_match_the_real_samples(layout, generated):
    if not osp.isdir(SAMPLES):
        pytest.skip('../shared/data/face_samples is not present')
    real_file, gen_file, prefix = FILES[layout]
    real = json.load(open(osp.join(SAMPLES, real_file)))
    root, _ = generated[layout]
    gen = json.load(open(osp.join(root, 'annotations', gen_file)))
    assert set(gen) >= set(real) - {'info', 'licenses'}
    for key in ('images', 'annotations', 'categories'):
        r = real[key][0]
        if layout == 'coco_wholebody_face' and key == 'annotations':
            r = next(a for a in real[key] if a['face_valid'])
        g = gen[key][0]
        assert set(g) == set(r), key
        for k in r:
            if k.endswith('kpts') or k in ('keypoints', 'skeleton',
                                           'segmentation'):
                continue
            if key == 'images' and layout == 'coco_wholebody_face':
                continue
            assert _shape(g[k]) == _shape(r[k]), (key, k, g[k], r[k])
        for k in ('keypoints', 'face_kpts'):
            if key == 'annotations' and k in r and max(r[k]) > 0:
                # x, y float, the flag keeps the official type
                assert type(g[k][2]) is type(r[k][2]), k
                assert len(g[k]) == len(r[k]), k

    # both load through mmpose's dataset class with equal fields and types
    import mmpose.datasets as mds
    cls = getattr(mds, META[layout][1])
    sample_dir = osp.dirname(osp.join(SAMPLES, real_file))
    real_ds = cls(ann_file=osp.basename(real_file), data_root=sample_dir,
                  data_prefix=dict(img=''), test_mode=True, pipeline=[])
    gen_ds = cls(ann_file=f'annotations/{gen_file}', data_root=root,
                 data_prefix=dict(img=prefix), test_mode=True, pipeline=[])
    a, b = real_ds[0], gen_ds[0]
    assert set(a) == set(b)
    for k in ('keypoints', 'keypoints_visible', 'bbox'):
        assert a[k].shape == b[k].shape and a[k].dtype == b[k].dtype, k
    assert osp.isfile(b['img_path'])
    import cv2
    img = cv2.imread(b['img_path'])
    assert img.shape == (64, 64, 3)


def test_ivslab51_loads_with_popos_dataset(generated):
    from popos.datasets import Face51Dataset
    root, summary = generated['ivslab51']
    assert summary['annotation_files'] == ['ivslab51_train.json',
                                           'ivslab51_val.json']
    ds = Face51Dataset(ann_file='annotations/ivslab51_val.json',
                       data_root=root, data_prefix=dict(img='images/'),
                       test_mode=True, pipeline=[])
    assert len(ds) == 3 and ds[0]['keypoints'].shape == (1, 51, 2)
    assert osp.isfile(ds[0]['img_path'])


def test_layout_files_and_subsets(generated):
    expect = {
        'wflw': ['face_landmarks_wflw_test_largepose.json',
                 'face_landmarks_wflw_test_blur.json'],
        '300w': ['face_landmarks_300w_valid_common.json',
                 'face_landmarks_300w_valid_challenge.json',
                 'face_landmarks_300w_test.json'],
        'aflw': ['face_landmarks_aflw_test_frontal.json'],
        'lapa': ['lapa_trainval.json', 'lapa_val.json'],
        'coco_wholebody_face': ['coco_wholebody_train_v1.0.json'],
    }
    for layout, names in expect.items():
        root, summary = generated[layout]
        for n in names:
            assert n in summary['annotation_files']
            assert osp.isfile(osp.join(root, 'annotations', n))
    root, _ = generated['300w']
    ann = osp.join(root, 'annotations')
    ids = {i['id'] for i in json.load(open(
        osp.join(ann, 'face_landmarks_300w_valid.json')))['images']}
    parts = [{i['id'] for i in json.load(open(osp.join(
        ann, f'face_landmarks_300w_valid_{s}.json')))['images']}
        for s in ('common', 'challenge')]
    assert parts[0] | parts[1] == ids and not parts[0] & parts[1]
    # COFW marks occlusion 1 and visible 2, LaPa everything 2
    root, _ = generated['cofw']
    doc = json.load(open(osp.join(root, 'annotations', 'cofw_train.json')))
    flags = {v for a in doc['annotations'] for v in a['keypoints'][2::3]}
    assert flags <= {1.0, 2.0} and 2.0 in flags


def _tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = osp.join(d, f)
            out[osp.relpath(p, root)] = open(p, 'rb').read()
    return out


def test_deterministic_given_seed(tmp_path):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    generate_dataset('300w', a, 6, 2, 48, seed=11, workers=1, progress=False)
    generate_dataset('300w', b, 6, 2, 48, seed=11, workers=2, progress=False)
    generate_dataset('300w', c, 6, 2, 48, seed=12, workers=1, progress=False)
    ta, tb, tc = _tree(a), _tree(b), _tree(c)
    assert len(ta) == 10 + 5  # images + train/valid/common/challenge/test
    assert ta == tb
    assert set(ta) == set(tc)
    assert all(ta[k] != tc[k] for k in ta if k.endswith('.jpg'))


def test_package_import_is_light():
    """The generator runs without torch or mmpose being imported."""
    code = (
        'import sys, types\n'
        f'root = {REPO_ROOT!r}\n'
        "for name, sub in (('popos', ''), ('popos.datasets', '/datasets')):\n"
        '    m = types.ModuleType(name); m.__path__ = [root + "/popos" + sub]\n'
        '    sys.modules[name] = m\n'
        'import popos.datasets.synthetic as s\n'
        "assert 'cv2' not in sys.modules\n"
        'import numpy as np\n'
        "f = s.synthesize(np.random.default_rng(0), s.get_layout('wflw'), 48)\n"
        'assert f.keypoints.shape == (98, 2)\n'
        "assert 'torch' not in sys.modules and 'mmpose' not in sys.modules\n")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO_ROOT)


def test_cli_writes_the_layout(tmp_path):
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'dataset_converters'))
    try:
        import make_synthetic_faces
    finally:
        sys.path.pop(0)
    s = make_synthetic_faces.main([
        '--layout', 'coco_wholebody_face', '--num-train', '2', '--num-test',
        '1', '--image-size', '40', '--out', str(tmp_path), '--workers', '1',
        '--no-progress'])
    assert s['faces'] == {'train': 2, 'val': 1}
    assert len(os.listdir(tmp_path / 'train2017')) == 2
    assert len(os.listdir(tmp_path / 'val2017')) == 1
    # a second run into the same folder would mix its files with these
    for argv in (['--out', str(tmp_path)], ['--out', str(tmp_path / 'n'), '--num-train', '0',
                                           '--num-test', '0'],
                 ['--out', str(tmp_path / 'n'), '--image-size', '8']):
        with pytest.raises(SystemExit):
            make_synthetic_faces.main(argv + ['--workers', '1', '--no-progress'])
    assert not (tmp_path / 'n').exists()
