"""Latency of the exported POPoS decoder next to the network it is attached to, one face.

Each model (by default the reference model of ``docs/deployment.md`` and the shipped
embedded model ``tiny``; random weights: a static graph's latency does not depend on them)
is exported as the network alone (image -> heatmaps), the network with the decoder in the
graph (image -> keypoints) and the decoder alone (heatmaps -> keypoints), the decoder with
each fallback. Each runs on one thread, batch 1, all interleaved in a fresh random order
every round (a fixed order would charge the cold caches a large graph leaves behind to
whichever graph follows it); the table gives medians and what the decoder adds to the
network's graph as a ratio to the network alone (the decoder as a graph of its own also
pays a session call). Used by ``benchmark_decoders.py --in-graph``.
"""
import copy
import os
import os.path as osp
import tempfile
from typing import Dict, Optional

import numpy as np
import torch
from torch import Tensor, nn

from popos.codecs.functional import FALLBACKS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_CFG = osp.join(REPO, 'configs/deploy/models/td-hm_mobilenetv2-0.5_popos_wflw-64x64-hm8.py')
TINY_CFG = osp.join(REPO, 'popos/weights/mobilenetv2_popos-pl-mtfl_300w-64x64-hm8.py')


def _modules(model_cfg: str, overrides: Optional[dict] = None) -> Dict[str, nn.Module]:
    from popos.deploy.export import build_torch_model
    from popos.deploy.modules import DecoderModel, export_module
    pose_model = build_torch_model(model_cfg, None)
    modules = {'network': export_module(pose_model, False)}
    for fallback in FALLBACKS:
        codec = copy.copy(pose_model.head.decoder)
        codec.decode_cfg = {**codec.decode_cfg, **(overrides or {}), 'fallback': fallback}
        decoded = export_module(pose_model, True)
        decoded.codec = codec
        modules[f'network + decoder, {fallback}'] = decoded
        modules[f'decoder alone, {fallback}'] = DecoderModel(codec).eval()
    return modules


def _export_onnx(module: nn.Module, sample: Tensor, path: str) -> str:
    from popos.deploy.export import onnx_export_without_dynamo
    with onnx_export_without_dynamo(), torch.no_grad():
        torch.onnx.export(module, (sample, ), path, opset_version=11, input_names=['input'])
    return path


def measure(model_cfg: str = MODEL_CFG, runs: int = 300, threads: int = 1,
            backends=('onnxruntime', 'tflite'),
            overrides: Optional[dict] = None) -> Dict[str, Dict[str, float]]:
    """``{backend: {module name: median ms}}`` for the network alone, the network with the
    decoder in its graph and the decoder alone, each decoder with every fallback
    (``'grid'``, ``'seed'``, ``'width'``); ``overrides``: other decoder settings replacing the
    config's."""
    from popos.deploy.runners import OnnxRunner, TFLiteRunner, interleaved_ms
    modules = _modules(model_cfg, overrides)
    codec = modules['decoder alone, grid'].codec
    w, h = codec.input_size
    rng = np.random.default_rng(0)
    image = rng.normal(size=(1, 3, h, w)).astype(np.float32)
    with torch.no_grad():
        heatmaps = modules['network'](torch.from_numpy(image)).numpy()
    inputs = {name: heatmaps if name.startswith('decoder') else image for name in modules}
    out: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            runners = {}
            for name, module in modules.items():
                path = osp.join(tmp, f'{backend}_{len(runners)}')
                sample = torch.from_numpy(inputs[name])
                if backend == 'onnxruntime':
                    runners[name] = OnnxRunner(_export_onnx(module, sample, path + '.onnx'),
                                               threads)
                else:
                    from popos.deploy.tflite import convert_float
                    runners[name] = TFLiteRunner(convert_float(module, sample, path + '.tflite'),
                                                 threads)
            names = list(runners)
            out[backend] = dict(zip(names, interleaved_ms(
                [lambda i, r=runners[k], x=inputs[k]: r(x) for k in names], runs,
                shuffle=True)))
    return out


def in_graph_markdown(model_cfgs=(MODEL_CFG, TINY_CFG), runs: int = 300, threads: int = 1,
                      overrides: Optional[dict] = None) -> str:
    """The in-graph latency table of each model as Markdown (``overrides``: decoder settings
    replacing the configs', the fallback excepted)."""
    from mmengine.config import Config
    lines = [f'\n**decode in graph**, one face (batch 1, {threads} thread, median of {runs} '
             'rounds, graphs in random order, random weights): the exported network alone, '
             'with the decoder in its graph (in parentheses what the decoder adds, as a '
             'ratio to the network alone) and the decoder as a graph of its own; * = the '
             'config\'s fallback'
             + (f'; decoder settings {overrides}' if overrides else '') + '\n',
             '| model | backend | network ms | '
             + ' | '.join(f'network + decoder, `{f}`, ms' for f in FALLBACKS) + ' | '
             + ' | '.join(f'decoder alone, `{f}`, ms' for f in FALLBACKS) + ' |',
             '|---|---|---|' + '---|' * 2 * len(FALLBACKS)]
    for model_cfg in model_cfgs:
        res = measure(model_cfg, runs, threads, overrides=overrides)
        own = Config.fromfile(model_cfg).model.head.decoder.get('fallback', 'grid')
        for backend, r in res.items():
            net = r['network']
            cells = []
            for fallback in FALLBACKS:
                both = r[f'network + decoder, {fallback}']
                star = '*' if fallback == own else ''
                cells.append(f'{both:.3f}{star} ({(both - net) / net:.2f}×)')
            cells += [f"{r[f'decoder alone, {f}']:.3f}" for f in FALLBACKS]
            lines.append(f'| `{osp.basename(model_cfg)}` | {backend} | {net:.3f} | '
                         + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=[MODEL_CFG, TINY_CFG],
                        help='model configs (default: the reference model and the shipped '
                             'embedded model `tiny`)')
    parser.add_argument('--runs', type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    torch.set_num_threads(1)
    print(in_graph_markdown([osp.abspath(c) for c in args.configs], args.runs))
