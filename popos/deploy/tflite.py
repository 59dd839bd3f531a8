"""PyTorch -> TFLite with litert-torch, quantisation with ai-edge-quantizer.

mmdeploy has no TFLite backend. litert-torch (Google's PyTorch -> LiteRT converter) takes
the same eval-mode module that is exported to ONNX, keeps NCHW and needs no TensorFlow;
ai-edge-quantizer then rewrites the float flatbuffer: fp16 weights, dynamic-range int8, or
full int8 calibrated on real crops.
"""
import os
import os.path as osp
import shutil
from typing import Optional

import numpy as np
import torch
from torch import nn

from .config import TFLITE_PRECISIONS

# Ops whose weights fp16 casting handles (ai-edge-quantizer's FLOAT_CASTING algorithm).
_WEIGHT_OPS = ('CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D_TRANSPOSE', 'FULLY_CONNECTED')
# Network ops made integer when the POPoS decoder is in the graph: the decoder's
# log/sqrt ranges and its fully-connected candidate grid must stay float (int8 ranges
# calibrated over a whole map destroy the sub-pixel information).
_NETWORK_OPS = ('CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D_TRANSPOSE')


def require_tflite() -> None:
    """Fail with an installation hint when the TFLite tooling is missing."""
    try:
        import ai_edge_litert  # noqa: F401
        import ai_edge_quantizer  # noqa: F401
        import litert_torch  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f'TFLite export needs requirements/tflite.txt ({err}): pip install -c '
            '.venv/popos-constraints.txt -r requirements/tflite.txt') from err


def convert_float(module: nn.Module, sample: torch.Tensor, path: str) -> str:
    """Convert an eval-mode module with a (1,3,H,W) sample to a float32 .tflite file."""
    require_tflite()
    import litert_torch
    if sample.dim() != 4 or sample.shape[0] != 1:
        raise ValueError(f'the TFLite sample input must be (1, 3, H, W), got {tuple(sample.shape)}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    litert_torch.convert(module.eval(), (sample, )).export(path)
    return path


def _signature(float_path: str):
    from ai_edge_litert.interpreter import Interpreter
    sigs = Interpreter(model_path=float_path).get_signature_list()
    key = next(iter(sigs))
    return key, sigs[key]['inputs'][0]


def quantize(float_path: str, out_path: str, precision: str, decode_in_graph: bool,
             calibration: Optional[np.ndarray] = None) -> str:
    """Write ``out_path`` from the float model at ``precision`` (see TFLITE_PRECISIONS).

    Args:
        calibration: (N,3,H,W) normalised real crops, required for ``'int8'``.
    """
    require_tflite()
    if precision not in TFLITE_PRECISIONS:
        raise ValueError(f'precision must be one of {TFLITE_PRECISIONS}, got {precision!r}')
    if precision == 'int8' and (calibration is None or len(calibration) == 0):
        raise ValueError('full int8 needs calibration crops (real data, not noise)')
    if not osp.isfile(float_path):
        raise FileNotFoundError(f'float TFLite model not found: {float_path}')
    if precision == 'fp32':
        if osp.abspath(float_path) != osp.abspath(out_path):
            shutil.copyfile(float_path, out_path)
        return out_path
    from ai_edge_quantizer import quantizer, recipe
    from ai_edge_quantizer.algorithm_manager import AlgorithmName
    from ai_edge_quantizer.qtyping import TFLOperationName

    qt = quantizer.Quantizer(float_path)
    if precision == 'fp16':
        for op in _WEIGHT_OPS:
            qt.add_weight_only_config(regex='.*', operation_name=TFLOperationName(op),
                                      num_bits=16, algorithm_key=AlgorithmName.FLOAT_CASTING)
    elif precision == 'int8-dynamic':
        if decode_in_graph:
            # The decoder's candidate grid is a FULLY_CONNECTED with constant "weights":
            # int8 offsets would move keypoints by up to a grid step.
            for op in _NETWORK_OPS:
                qt.add_dynamic_config(regex='.*', operation_name=TFLOperationName(op),
                                      num_bits=8)
        else:
            qt.load_quantization_recipe(recipe.dynamic_wi8_afp32())
    else:
        if decode_in_graph:
            for op in _NETWORK_OPS[:2]:
                qt.add_static_config(regex='.*', operation_name=TFLOperationName(op),
                                     activation_num_bits=8, weight_num_bits=8)
        else:
            qt.load_quantization_recipe(recipe.static_wi8_ai8())
        # ai-edge-quantizer 0.10 cannot quantise a TRANSPOSE_CONV's bias (channel- or
        # tensor-wise): the head's deconvolutions stay float.
        qt.update_quantization_recipe(regex='.*',
                                      operation_name=TFLOperationName.CONV_2D_TRANSPOSE,
                                      algorithm_key=AlgorithmName.NO_QUANTIZE)
    calib = None
    if qt.need_calibration:
        key, name = _signature(float_path)
        data = [{name: np.ascontiguousarray(x[None], dtype=np.float32)} for x in calibration]
        calib = qt.calibrate({key: data})
    result = qt.quantize(calib)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    result.export_model(out_path, overwrite=True)
    return out_path


def convert(module: nn.Module, sample: torch.Tensor, out_path: str, precision: str = 'fp32',
            decode_in_graph: bool = False, calibration: Optional[np.ndarray] = None,
            float_path: Optional[str] = None, reuse_float: bool = False) -> str:
    """Float conversion then quantisation.

    ``reuse_float`` takes an existing ``float_path`` as is (only safe within one run: a
    stale float model from another checkpoint would be quantised silently).
    """
    if float_path is None:
        float_path = (osp.splitext(out_path)[0] + '_float.tflite'
                      if precision != 'fp32' else out_path)
    if not (reuse_float and osp.isfile(float_path)):
        convert_float(module, sample, float_path)
    return quantize(float_path, out_path, precision, decode_in_graph, calibration)
