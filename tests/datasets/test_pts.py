"""The .pts reader/writer and the pts -> COCO converter."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from popos.datasets.pts import dump_pts, format_pts, load_pts, parse_pts

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

IBUG = """version: 1
n_points:  3
{
446.000 91.000
449.459 119.344
450.957 150.614
}
"""


def load_converter():
    path = osp.join(REPO, 'tools', 'dataset_converters', 'pts_to_coco.py')
    spec = importlib.util.spec_from_file_location('pts_to_coco', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parse_ibug_file():
    (face, ) = parse_pts(IBUG)
    assert face.shape == (3, 2)
    # iBUG files are 1-based, popos arrays 0-based
    assert face[1] == pytest.approx([448.459, 118.344])
    assert parse_pts(IBUG, origin=0)[0][1] == pytest.approx([449.459, 119.344])
    assert format_pts(face).splitlines()[4] == '449.459 119.344'   # written back 1-based


def test_several_faces_per_file_and_crlf_bom():
    text = '\ufeff' + (IBUG + '\n' + IBUG.replace('446.000', '1e2')).replace(
        '\n', '\r\n')
    faces = parse_pts(text, origin=0)
    assert len(faces) == 2 and faces[1][0] == pytest.approx([100., 91.])


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    faces = rng.uniform(0, 500, size=(3, 51, 2))
    path = str(tmp_path / 'sub' / 'x.pts')
    dump_pts(faces, path, precision=4)
    back = load_pts(path)
    assert len(back) == 3
    assert np.abs(np.stack(back) - faces).max() <= 5e-5
    dump_pts(faces[0], path)
    assert len(load_pts(path)) == 1
    assert format_pts(faces[0]).startswith('version: 1\nn_points: 51\n{\n')


@pytest.mark.parametrize('text, line, msg', [
    (IBUG.replace('449.459 119.344', '449.459'), 5, "expected 'x y'"),
    (IBUG.replace('n_points:  3', 'n_points:  4'), 7, 'n_points is 4'),
    (IBUG.replace('n_points:  3', 'n_points: three'), 2, 'not an integer'),
    (IBUG.replace('450.957', 'abc'), 6, 'non-numeric'),
    (IBUG.replace('450.957', 'nan'), 6, 'non-finite'),
    (IBUG.replace('}\n', ''), 6, "missing closing '}'"),
    (IBUG.replace('n_points:  3\n', ''), 2, "before 'n_points:'"),
    ('hello\n', 1, 'unexpected header line'),
    ('', 1, 'no face block'),
])
def test_malformed_names_file_and_line(tmp_path, text, line, msg):
    path = tmp_path / 'bad.pts'
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_pts(str(path))
    assert f'bad.pts:{line}:' in str(info.value)
    assert msg in str(info.value)


def test_writer_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r'\(K, 2\)'):
        format_pts(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match='non-finite'):
        format_pts(np.full((3, 2), np.inf))


def make_folder(tmp_path, faces_per_image):
    from PIL import Image
    img_dir = tmp_path / 'images'
    (img_dir / 'sub').mkdir(parents=True)
    rng = np.random.default_rng(1)
    names = ['a.jpg', 'sub/b.png']
    for name, num in zip(names, faces_per_image):
        Image.new('RGB', (64, 48)).save(img_dir / name)
        faces = rng.uniform(5, 40, size=(num, 51, 2))
        dump_pts(faces, str(img_dir / (osp.splitext(name)[0] + '.pts')))
    return img_dir


def test_converter_fields(tmp_path):
    conv = load_converter()
    img_dir = make_folder(tmp_path, [1, 2])
    coco = conv.convert(str(img_dir), num_keypoints=51)
    assert [im['file_name'] for im in coco['images']] == ['a.jpg', 'sub/b.png']
    assert coco['images'][0]['width'] == 64
    assert coco['images'][0]['height'] == 48
    anns = coco['annotations']
    assert len(anns) == 3 and [a['image_id'] for a in anns] == [1, 2, 2]
    kpts = np.array(anns[2]['keypoints']).reshape(-1, 3)
    ref = load_pts(str(img_dir / 'sub' / 'b.pts'))[1]
    assert kpts[:, :2] == pytest.approx(ref, abs=1e-3)
    assert (kpts[:, 2] == 2).all() and anns[2]['num_keypoints'] == 51
    lo, hi = ref.min(0), ref.max(0)
    assert anns[2]['center'] == pytest.approx((lo + hi) / 2)
    assert anns[2]['scale'] == pytest.approx((hi - lo).max() / 200)
    x, y, w, h = anns[2]['bbox']
    assert (w, h) == pytest.approx(tuple((hi - lo) * 1.2))
    assert x + w / 2 == pytest.approx((lo[0] + hi[0]) / 2)
    assert anns[2]['area'] == pytest.approx(w * h)
    assert anns[2]['iscrowd'] == 0 and anns[2]['category_id'] == 1


def test_converter_errors_and_cli(tmp_path):
    conv = load_converter()
    img_dir = make_folder(tmp_path, [1, 1])
    with pytest.raises(ValueError, match='expected 68'):
        conv.convert(str(img_dir), num_keypoints=68)
    (img_dir / 'c.jpg').write_bytes((img_dir / 'a.jpg').read_bytes())
    with pytest.raises(ValueError, match='no landmark file'):
        conv.convert(str(img_dir))
    out = tmp_path / 'ann' / 'x.json'
    conv.main([str(img_dir), str(out), '--skip-missing'])
    assert len(json.loads(out.read_text())['annotations']) == 2
    (img_dir / 'a.pts').write_text('version: 1\nn_points: 51\n{\n1 2\n}\n')
    with pytest.raises(ValueError, match=r'a\.pts:5:'):
        conv.convert(str(img_dir), skip_missing=True)
    # mixed point counts, a degenerate face (file named), a corrupt image
    dump_pts(np.full((1, 51, 2), 7.0), str(img_dir / 'a.pts'))
    with pytest.raises(ValueError, match=r'a\.pts: face 1: degenerate'):
        conv.convert(str(img_dir), skip_missing=True)
    dump_pts(np.random.default_rng(1).uniform(5, 40, (1, 5, 2)), str(img_dir / 'a.pts'))
    with pytest.raises(ValueError, match=r'b\.pts: a face has 51 points, expected 5'):
        conv.convert(str(img_dir), skip_missing=True)
    (img_dir / 'a.pts').unlink()
    (img_dir / 'sub' / 'b.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match=r'b\.png: cannot read the image'):
        conv.convert(str(img_dir), skip_missing=True)
