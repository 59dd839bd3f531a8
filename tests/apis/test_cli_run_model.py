"""tools/run_model.py's command line: model/backend combinations do what they say or exit with
one line before the model loads; outputs never collide and never replace an input."""
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
TOOL = runpy.run_path(osp.join(REPO, 'tools', 'run_model.py'), run_name='run_model')
TINY_ONNX = get_model_info('tiny')['exports']['onnxruntime']


@pytest.fixture()
def face(tmp_path):
    """A real 300-W face crop, small (the tiny model runs on the whole image)."""
    photos = osp.join(REAL_300W, 'images', 'afw')
    if not osp.isdir(photos):
        pytest.skip('../shared/data/300w is not present')
    img = cv2.imread(osp.join(photos, sorted(os.listdir(photos))[0]))
    return cv2.resize(img, (96, 96))


def exit_message(argv, monkeypatch=None):
    """run_model's exit for ``argv``; a model load on the way fails the test."""
    if monkeypatch is not None:
        import popos.apis

        def no_model(*args, **kwargs):
            raise AssertionError('the model was loaded before the arguments were checked')
        monkeypatch.setattr(popos.apis, 'FaceLandmarker', no_model)
    with pytest.raises(SystemExit) as exc:
        TOOL['main']([str(a) for a in argv])
    return exc.value.code


@pytest.fixture()
def lst(tmp_path):
    path = tmp_path / 'images.txt'
    path.write_text('a.jpg\n')
    return path


@pytest.mark.parametrize('extra, message', [
    (['--model', 'tiny'], 'for the shipped model use --shipped tiny'),
    (['--model', '/nonexistent.onnx'], '--model /nonexistent.onnx: no such file'),
    (['--model', TINY_ONNX], 'name the model it was exported from'),
    (['--shipped', 'tiny', '--backend', 'torch', '--model', TINY_ONNX],
     'needs --backend onnxruntime'),
    (['--shipped', 'tiny', '--backend', 'tflite', '--model', TINY_ONNX],
     'needs --backend onnxruntime'),
    (['--shipped', 'tiny', '--checkpoint', TINY_ONNX], 'is an exported model'),
    (['--shipped', 'tiny', '--backend', 'tflite', '--checkpoint', 'x.pth'],
     '--checkpoint is for --backend torch'),
    (['--backend', 'tflite'], "'default' has no tflite export"),
    (['--shipped', 'tiny', '--model-cfg', TOOL['__file__']], 'alternatives'),
    (['--shipped', 'bogus'], '--shipped bogus: not a shipped model; choose from default'),
    (['--shipped', 'tiny', '--decoder', 'topk=abc'], "--decoder topk=abc: topk must be an integer"),
    (['--shipped', 'tiny', '--decoder', 'sigma=3'], 'unknown decoder settings'),
    (['--boxes', '/nonexist.json'], '--boxes /nonexist.json: no such file'),
    (['--whole-image', '--detector', 'haar'], 'alternative sources of face boxes'),
])
def test_contradictory_or_missing_arguments_exit_before_the_model_loads(
        extra, message, lst, tmp_path, monkeypatch):
    code = exit_message([lst, tmp_path / 'out'] + extra, monkeypatch)
    assert isinstance(code, str) and message in code, code


def test_model_flags_select_what_they_name(tmp_path):
    args = TOOL['parse_args'](['l.txt', str(tmp_path), '--shipped', 'tiny', '--whole-image'])
    lm = TOOL['build'](args)
    assert lm.backend == 'torch' and lm.config == get_model_info('tiny')['config']
    # the exported file chooses its backend; the config is the shipped model's
    args = TOOL['parse_args'](['l.txt', str(tmp_path), '--shipped', 'tiny', '--model',
                               TINY_ONNX, '--whole-image'])
    lm = TOOL['build'](args)
    assert lm.backend == 'onnxruntime' and lm.config == get_model_info('tiny')['config']


@pytest.mark.parametrize('content, message', [
    (None, 'image list not found'),
    (b'\xff\xd8\xff\xe0 JFIF binary', 'is not a text file (an image?)'),
    (b'# only a comment\n\n', 'names no image'),
])
def test_bad_image_lists_exit_before_the_model_loads(content, message, tmp_path, monkeypatch):
    path = tmp_path / 'list.jpg'
    if content is not None:
        path.write_bytes(content)
    code = exit_message([path, tmp_path / 'out'], monkeypatch)
    assert isinstance(code, str) and message in code, code


def test_command_line_errors_are_one_line_with_a_non_zero_status(tmp_path):
    lst = tmp_path / 'images.txt'
    lst.write_text('a.jpg\n')
    for argv, status, message in ((['--decoder', 'robust_iters'], 2, 'expected KEY=VALUE'),
                                  (['--model', 'tiny'], 1, 'use --shipped tiny')):
        res = subprocess.run([sys.executable, 'tools/run_model.py', str(lst), str(tmp_path / 'o')]
                             + argv, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert res.returncode == status and 'Traceback' not in res.stderr, res.stderr
        assert message in res.stderr


def test_output_names_mirror_directories_and_keep_same_stems_apart(tmp_path):
    plan = TOOL['plan_outputs']
    out = str(tmp_path / 'out')
    d = str(tmp_path / 'data')
    bases = plan([f'{d}/s1/img.jpg', f'{d}/s2/img.png', f'{d}/s2/a.jpg', f'{d}/s2/a.png',
                  f'{d}/s2/b.jpg'], out, ['.pts'])
    assert bases == [f'{out}/s1/img', f'{out}/s2/img', f'{out}/s2/a.jpg', f'{out}/s2/a.png',
                     f'{out}/s2/b']
    assert plan([f'{d}/one.jpg'], out, ['.pts']) == [f'{out}/one']
    # an image's own directory is never an output directory (its photo / .pts annotation)
    with pytest.raises(SystemExit, match='is the directory of the input'):
        plan([f'{d}/s1/img.jpg', f'{d}/s2/img.png'], d, ['.pts'])
    with pytest.raises(SystemExit, match='both write'):  # stems made from full names collide
        plan([f'{d}/a.jpg', f'{d}/a.png', f'{d}/a.jpg.png'], out, ['.pts'])


def test_same_names_in_two_folders_give_two_results_and_no_stale_file(face, tmp_path):
    from popos.datasets.pts import load_pts
    for rel in ('data/s1/img.jpg', 'data/s2/img.png', 'data/s2/img.jpg'):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), face)
    (tmp_path / 'data' / 'bad.png').write_text('not an image')
    lst = tmp_path / 'images.txt'
    lst.write_text('data/s1/img.jpg\ndata/s2/img.png\ndata/s2/img.jpg\ndata/bad.png\n')
    out = tmp_path / 'out'
    (out / 's1').mkdir(parents=True)
    (out / 's1' / 'img.pts').write_text('stale')
    (out / 'bad.pts').write_text('stale result of an image now unreadable')
    res = subprocess.run([sys.executable, 'tools/run_model.py', str(lst), str(out), '--shipped',
                          'tiny', '--whole-image'], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert '3 of 4 image(s), 3 face(s)' in res.stdout
    for pts in ('s1/img.pts', 's2/img.png.pts', 's2/img.jpg.pts'):
        faces = load_pts(str(out / pts))
        assert len(faces) == 1 and faces[0].shape == (68, 2)
    assert not (out / 'bad.pts').exists() and 'removed the earlier result' in res.stderr


def test_boxes_name_images_without_a_box_and_refuse_ambiguous_names(face, tmp_path):
    import json
    for rel in ('s1/a.jpg', 's1/b.jpg'):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), face)
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps(dict(images=[dict(id=1, file_name='a.jpg')],
                                     annotations=[dict(id=1, image_id=1, bbox=[8, 8, 80, 80])])))
    lst = tmp_path / 'images.txt'
    lst.write_text('s1/a.jpg\ns1/b.jpg\n')
    res = subprocess.run([sys.executable, 'tools/run_model.py', str(lst), str(tmp_path / 'out'),
                          '--shipped', 'tiny', '--boxes', str(boxes)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert 'no box for' in res.stderr and 'b.jpg' in res.stderr
    assert 'no face found' not in res.stderr
    assert (tmp_path / 'out' / 'b.pts').read_text() == ''
    (tmp_path / 's2').mkdir()
    cv2.imwrite(str(tmp_path / 's2' / 'a.jpg'), face)
    lst.write_text('s1/a.jpg\ns2/a.jpg\n')
    with pytest.raises(SystemExit, match='several images named a.jpg'):
        TOOL['main']([str(lst), str(tmp_path / 'out2'), '--boxes', str(boxes)])


def test_blank_image_gives_an_empty_pts(tmp_path):
    (tmp_path / 'in').mkdir()
    cv2.imwrite(str(tmp_path / 'in' / 'blank.png'), np.full((48, 48, 3), 127, np.uint8))
    lst = tmp_path / 'images.txt'
    lst.write_text('in/blank.png\n')
    (tmp_path / 'out').mkdir()
    (tmp_path / 'out' / 'blank.pts').write_text('stale')
    res = subprocess.run([sys.executable, 'tools/run_model.py', str(lst), str(tmp_path / 'out'),
                          '--shipped', 'tiny'], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and 'no face found' in res.stderr, res.stderr
    assert (tmp_path / 'out' / 'blank.pts').read_text() == ''


def test_no_readable_image_is_a_failure(tmp_path, capsys):
    lst = tmp_path / 'images.txt'
    lst.write_text('missing.jpg\n')
    assert TOOL['main']([str(lst), str(tmp_path / 'out'), '--shipped', 'tiny']) == 1
    err = capsys.readouterr().err
    assert 'missing.jpg' in err
