"""The tools/deploy.py pipeline: mmdeploy torch2onnx -> (TFLite) -> parity against PyTorch."""
import json
import os
import os.path as osp
from typing import Dict, Optional, Union

import torch
from mmengine import Config

from .calibration import dataset_inputs, image_input
from .config import (backend_of, check_input_size, decode_in_graph, load_deploy_config,
                     tflite_precision)
from .export import build_torch_model, export_onnx, load_model_config
from .modules import export_module
from .parity import compare
from .runners import build_runner


def convert_tflite(cfg: Config, model_cfg: Config, checkpoint: Optional[str], img,
                   work_dir: str, data_root: Optional[str] = None) -> str:
    """litert-torch conversion (+ ai-edge-quantizer) of the deploy config's export mode."""
    from .tflite import convert
    decode = decode_in_graph(cfg)
    precision = tflite_precision(cfg)
    module = export_module(build_torch_model(model_cfg, checkpoint, 'cpu'), decode)
    sample = torch.from_numpy(image_input(model_cfg, img))
    calibration = None
    if precision == 'int8':
        calib_cfg = cfg.backend_config.get('calibration', {})
        calibration = dataset_inputs(model_cfg, calib_cfg.get('split', 'val'),
                                     int(calib_cfg.get('num_samples', 64)), data_root)
    stem = 'end2end' + ('_decode' if decode else '')
    out = osp.join(work_dir, f'{stem}_{precision}.tflite')
    float_path = osp.join(work_dir, f'{stem}_fp32.tflite')
    return convert(module, sample, out, precision, decode, calibration, float_path)


def deploy(deploy_cfg: Union[str, Config], model_cfg: Union[str, Config],
           checkpoint: Optional[str], img: str, work_dir: str, device: str = 'cpu',
           test_img: Optional[str] = None, data_root: Optional[str] = None,
           dump_info: bool = False) -> Dict:
    """Export, convert and check; returns ``dict(onnx=..., tflite=..., parity={...})``."""
    cfg = load_deploy_config(deploy_cfg)
    model_cfg = load_model_config(model_cfg)
    check_input_size(cfg, model_cfg)
    if not osp.isfile(img):
        raise FileNotFoundError(f'image not found: {img}')
    import cv2
    if cv2.imread(img) is None:
        raise ValueError(f'cannot read image {img}: the export traces the model on it')
    os.makedirs(work_dir, exist_ok=True)
    result: Dict = dict(onnx=export_onnx(cfg, model_cfg, checkpoint, img, work_dir, device))
    backend_file = result['onnx']
    if backend_of(cfg) == 'tflite':
        result['tflite'] = backend_file = convert_tflite(cfg, model_cfg, checkpoint, img,
                                                         work_dir, data_root)
    pose_model = build_torch_model(model_cfg, checkpoint, 'cpu')
    inputs = image_input(model_cfg, test_img or img)
    decode = decode_in_graph(cfg)
    result['parity'] = {backend: compare(pose_model, build_runner(path), inputs, decode)
                        for backend, path in (('onnxruntime', result['onnx']),
                                              ('tflite', result.get('tflite'))) if path}
    result['backend_file'] = backend_file
    if dump_info:
        info = dict(result, deploy_cfg=cfg.filename, model_cfg=model_cfg.filename,
                    checkpoint=checkpoint, decode_in_graph=decode,
                    input_shape=list(cfg.onnx_config.get('input_shape') or []),
                    output_names=list(cfg.onnx_config.output_names))
        with open(osp.join(work_dir, 'deploy.json'), 'w') as f:
            json.dump(info, f, indent=2)
    return result
