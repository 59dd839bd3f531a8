"""Deploy-config helpers: the popos fields on top of mmdeploy's deploy-config format.

A popos deploy config is an mmdeploy config (``onnx_config``, ``codebase_config``,
``backend_config``) plus::

    popos_export = dict(decode_in_graph=False)   # True: keypoints/scores out, not heatmaps

and, for TFLite (which mmdeploy has no backend for)::

    backend_config = dict(type='tflite', precision='fp32' | 'fp16' | 'int8' | 'int8-dynamic',
                          calibration=dict(num_samples=32, split='val'))

mmdeploy itself only ever sees :func:`mmdeploy_view` of such a config, where the backend is
onnxruntime (the ONNX file is the intermediate and the reference for the TFLite check).
"""
import copy
from typing import Optional, Sequence, Tuple, Union

from mmengine import Config, ConfigDict

TFLITE_PRECISIONS = ('fp32', 'fp16', 'int8', 'int8-dynamic')
BACKENDS = ('onnxruntime', 'tflite')
#: Output names of the two export modes (the ONNX graph and the TFLite signature order).
HEATMAP_OUTPUTS = ('output', )
DECODED_OUTPUTS = ('keypoints', 'scores')


def load_deploy_config(deploy_cfg: Union[str, Config]) -> Config:
    """Load and validate a popos/mmdeploy deploy config."""
    cfg = Config.fromfile(deploy_cfg) if isinstance(deploy_cfg, str) else copy.deepcopy(deploy_cfg)
    for key in ('onnx_config', 'codebase_config', 'backend_config'):
        if key not in cfg:
            raise ValueError(f'deploy config has no {key!r}: not an mmdeploy deploy config')
    if cfg.codebase_config.get('type') != 'mmpose' or \
            cfg.codebase_config.get('task') != 'PoseDetection':
        raise ValueError("popos deploys codebase_config type='mmpose', task='PoseDetection', got "
                         f'{dict(cfg.codebase_config)}')
    backend = cfg.backend_config.get('type')
    if backend not in BACKENDS:
        raise ValueError(f'backend_config.type must be one of {BACKENDS}, got {backend!r}')
    if backend == 'tflite':
        precision = cfg.backend_config.get('precision', 'fp32')
        if precision not in TFLITE_PRECISIONS:
            raise ValueError(f'TFLite precision must be one of {TFLITE_PRECISIONS}, '
                             f'got {precision!r}')
    if int(cfg.onnx_config.get('opset_version', 11)) < 11:
        raise ValueError('onnx_config.opset_version must be >= 11')
    want = DECODED_OUTPUTS if decode_in_graph(cfg) else HEATMAP_OUTPUTS
    if tuple(cfg.onnx_config.get('output_names', ())) != want:
        raise ValueError(f'onnx_config.output_names must be {list(want)} when '
                         f'popos_export.decode_in_graph={decode_in_graph(cfg)}, got '
                         f'{cfg.onnx_config.get("output_names")}')
    return cfg


def decode_in_graph(cfg: Optional[Config]) -> bool:
    """Whether the exported graph ends with the POPoS decoder (keypoints/scores out)."""
    if cfg is None:
        return False
    return bool(cfg.get('popos_export', {}).get('decode_in_graph', False))


def backend_of(cfg: Config) -> str:
    """``'onnxruntime'`` or ``'tflite'``."""
    return cfg.backend_config.type


def tflite_precision(cfg: Config) -> str:
    """TFLite precision of a TFLite deploy config."""
    return cfg.backend_config.get('precision', 'fp32')


def input_shape(cfg: Config, model_cfg: Config) -> Tuple[int, int]:
    """(w, h) of the exported input: the deploy config's, else the model codec's."""
    shape: Optional[Sequence[int]] = cfg.onnx_config.get('input_shape')
    if shape is None:
        codec = model_cfg.codec[-1] if isinstance(model_cfg.codec, list) else model_cfg.codec
        shape = codec['input_size']
    return int(shape[0]), int(shape[1])


def mmdeploy_view(cfg: Config) -> Config:
    """The config as mmdeploy must see it: a TFLite backend is replaced by onnxruntime."""
    view = copy.deepcopy(cfg)
    if backend_of(view) == 'tflite':
        view.backend_config = ConfigDict(type='onnxruntime')
    if decode_in_graph(view) or backend_of(cfg) == 'tflite':
        # mmdeploy's End2EndModel would decode outputs[0] as heatmaps and cannot run .tflite.
        view.codebase_config['model_type'] = 'popos_end2end'
    return view


def check_input_size(cfg: Config, model_cfg: Config) -> None:
    """The exported input must be the model's input size: the codec decodes at that scale."""
    codec = model_cfg.codec[-1] if isinstance(model_cfg.codec, list) else model_cfg.codec
    want = tuple(int(v) for v in codec['input_size'])
    got = input_shape(cfg, model_cfg)
    if got != want:
        raise ValueError(f'deploy config input_shape {list(got)} differs from the model input '
                         f'size {list(want)} (codec.input_size): use a '
                         '`pose-detection_*_static.py` deploy config (input_shape=None takes '
                         "the model's size)")
