"""Generate a whole synthetic dataset in a real dataset's folder layout."""
import json
import os
import os.path as osp
import time
from multiprocessing import get_context
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .layouts import get_layout
from .sample import synthesize
from .writer import coco_wholebody_json, face_json, subset

# split name -> stream id of the per-face random generator
SPLIT_CODE = {'train': 0, 'test': 1, 'val': 2, 'valid': 2}
WFLW_SUBSETS = ('largepose', 'expression', 'illumination', 'makeup',
                'occlusion', 'blur')

# layout -> [(split, size from 'train'|'test', annotation file)]
SPLITS: Dict[str, List[Tuple[str, str, str]]] = {
    'wflw': [('train', 'train', 'face_landmarks_wflw_train.json'),
             ('test', 'test', 'face_landmarks_wflw_test.json')],
    '300w': [('train', 'train', 'face_landmarks_300w_train.json'),
             ('valid', 'test', 'face_landmarks_300w_valid.json'),
             ('test', 'test', 'face_landmarks_300w_test.json')],
    'cofw': [('train', 'train', 'cofw_train.json'),
             ('test', 'test', 'cofw_test.json')],
    'aflw': [('train', 'train', 'face_landmarks_aflw_train.json'),
             ('test', 'test', 'face_landmarks_aflw_test.json')],
    'coco_wholebody_face': [
        ('train', 'train', 'coco_wholebody_train_v1.0.json'),
        ('val', 'test', 'coco_wholebody_val_v1.0.json')],
    'lapa': [('train', 'train', 'lapa_train.json'),
             ('val', 'test', 'lapa_val.json'),
             ('test', 'test', 'lapa_test.json')],
    'ivslab51': [('train', 'train', 'ivslab51_train.json'),
                 ('val', 'test', 'ivslab51_val.json')],
}


def image_path(layout: str, split: str, idx: int,
               img_id: int) -> Tuple[str, str]:
    """(file_name in the json, path below the output root)."""
    if layout in ('wflw', '300w'):
        name = f'synthetic_{split}/{idx:06d}.jpg'
        return name, 'images/' + name
    if layout == 'cofw':
        name = f'{img_id:06d}.jpg'
        return name, 'images/' + name
    if layout == 'aflw':
        name = f'flickr/0/image{img_id:05d}.jpg'
        return name, 'images/' + name
    if layout == 'coco_wholebody_face':
        name = f'{img_id:012d}.jpg'
        return name, ('train2017/' if split == 'train' else 'val2017/') + name
    if layout == 'lapa':  # LaPa's json names include the split folder
        name = f'{split}/images/{idx:06d}.jpg'
        return name, name
    name = f'{split}/{idx:06d}.jpg'
    return name, 'images/' + name


def make_record(job: Tuple) -> Dict:
    """Render one face, write its image, return its annotation record."""
    layout_name, split, idx, img_id, out, size, seed = job
    layout = get_layout(layout_name)
    rng = np.random.default_rng([seed, SPLIT_CODE[split], idx])
    s = synthesize(rng, layout, size)
    file_name, rel = image_path(layout_name, split, idx, img_id)
    path = osp.join(out, rel)
    os.makedirs(osp.dirname(path), exist_ok=True)
    ok, buf = cv2.imencode('.jpg', s.image,
                           [cv2.IMWRITE_JPEG_QUALITY, _jpeg_quality(rng)])
    assert ok, path
    with open(path, 'wb') as f:
        f.write(buf.tobytes())
    return dict(id=img_id, file_name=file_name, height=size, width=size,
                keypoints=s.keypoints.tolist(), visible=s.visible.tolist(),
                self_occluded=s.self_occluded.tolist(),
                face_box=s.face_box.tolist(), attributes=s.attributes,
                extra={k: v.tolist() for k, v in s.extra_points.items()})


# Workers are *spawned*: forking a process whose OpenCV/OpenMP thread pools
# are already running can hang the children. To keep spawning cheap, the
# worker registers bare ``popos`` / ``popos.datasets`` packages so that
# importing this module does not run ``popos/__init__`` (torch, mmpose).
_WORKER_INIT = '''
import sys, types
for name, path in {paths!r}:
    if name not in sys.modules:
        mod = types.ModuleType(name)
        mod.__path__ = [path]
        sys.modules[name] = mod
import cv2
cv2.setNumThreads(1)  # one OpenCV thread per process: the pool has the cores
'''
_PKG_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _worker_init_code() -> str:
    paths = [('popos', _PKG_ROOT),
             ('popos.datasets', osp.join(_PKG_ROOT, 'datasets'))]
    return _WORKER_INIT.format(paths=paths)


def _jpeg_quality(rng: np.random.Generator) -> int:
    # JPEG artefacts: mostly mild, sometimes strong
    return int(rng.integers(30, 60)) if rng.random() < 0.15 else int(
        rng.integers(75, 96))


def _progress(it, total: int, enabled: bool, desc: str):
    if not enabled:
        return it
    try:
        from tqdm import tqdm
        return tqdm(it, total=total, desc=desc, unit='face')
    except ImportError:  # mmengine is always there with mmpose
        from mmengine.utils import ProgressBar
        bar = ProgressBar(total)

        def gen():
            for x in it:
                bar.update()
                yield x

        return gen()


def _dump(doc: Dict, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(doc, f)


def generate_dataset(layout: str, out: str, num_train: int = 1000,
                     num_test: int = 200, image_size: int = 256,
                     seed: int = 0, workers: Optional[int] = None,
                     progress: bool = True) -> Dict:
    """Write a synthetic dataset in the folder layout and json format of a
    real one, so that its mmpose config runs with ``data_root=out``.

    Returns a summary: annotation files written, faces per split, seconds.
    Deterministic given ``seed`` (independent of ``workers``). With more than
    one worker the pool is spawned, so call it under
    ``if __name__ == '__main__':`` in scripts.
    """
    lay = get_layout(layout)
    sizes = dict(train=num_train, test=num_test)
    jobs, spans, off = [], [], 0
    for split, size_key, ann in SPLITS[layout]:
        n = sizes[size_key]
        spans.append((split, ann, len(jobs), len(jobs) + n))
        jobs += [(layout, split, i, off + i + 1, out, image_size, seed)
                 for i in range(n)]
        off += n
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    t0 = time.time()
    if workers > 1 and len(jobs) > 8:
        ctx = get_context('spawn')
        with ctx.Pool(workers, initializer=exec,
                      initargs=(_worker_init_code(), {})) as pool:
            records = list(_progress(pool.imap(make_record, jobs, 4),
                                     len(jobs), progress, layout))
    else:
        records = [make_record(j) for j in _progress(iter(jobs), len(jobs),
                                                     progress, layout)]
    seconds = time.time() - t0

    ann_dir = osp.join(out, 'annotations')
    build = coco_wholebody_json if layout == 'coco_wholebody_face' \
        else face_json
    written, docs = [], {}
    for split, ann, a, b in spans:
        docs[split] = build(records[a:b], lay)
        _dump(docs[split], osp.join(ann_dir, ann))
        written.append(ann)
    recs = {split: records[a:b] for split, _, a, b in spans}

    def ids(split, pred):
        return {r['id'] for r in recs[split] if pred(r)}

    extra: Dict[str, Dict] = {}
    if layout == 'wflw':
        for attr in WFLW_SUBSETS:
            keep = ids('test', lambda r, a=attr: r['attributes'][a])
            extra[f'face_landmarks_wflw_test_{attr}.json'] = subset(
                docs['test'], keep)
        # the name in the task brief; same content as 'largepose'
        extra['face_landmarks_wflw_test_pose.json'] = extra[
            'face_landmarks_wflw_test_largepose.json']
    elif layout == '300w':
        hard = ids('valid', lambda r: any(
            r['attributes'][a]
            for a in ('largepose', 'occlusion', 'expression', 'blur')))
        every = ids('valid', lambda r: True)
        extra['face_landmarks_300w_valid_challenge.json'] = subset(
            docs['valid'], hard)
        extra['face_landmarks_300w_valid_common.json'] = subset(
            docs['valid'], every - hard)
    elif layout == 'aflw':
        # AFLW-frontal: the test faces with all landmarks visible
        extra['face_landmarks_aflw_test_frontal.json'] = subset(
            docs['test'], ids('test', lambda r: all(r['visible'])))
    elif layout == 'lapa':
        both = dict(docs['train'])
        both['images'] = docs['train']['images'] + docs['val']['images']
        both['annotations'] = (docs['train']['annotations'] +
                               docs['val']['annotations'])
        extra['lapa_trainval.json'] = both
    for name, doc in extra.items():
        _dump(doc, osp.join(ann_dir, name))
        written.append(name)
    return dict(layout=layout, out=out, annotation_files=written,
                faces={split: b - a for split, _, a, b in spans},
                seconds=seconds,
                faces_per_second=len(jobs) / max(seconds, 1e-9))
