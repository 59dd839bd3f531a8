"""Deploy configs: every shipped config loads, and bad configs fail clearly."""
import glob
import os.path as osp

import pytest
from mmengine import Config

from .conftest import DEPLOY_DIR, MODEL_CFG

from popos.deploy.config import (decode_in_graph, input_shape, load_deploy_config,  # noqa: E402
                                 mmdeploy_view)


def _all_configs():
    return sorted(glob.glob(osp.join(DEPLOY_DIR, 'pose-detection_*.py')))


def test_shipped_configs_load_and_are_consistent():
    names = [osp.basename(p) for p in _all_configs()]
    for backend in ('onnxruntime', 'tflite_fp32', 'tflite_fp16', 'tflite_int8-dynamic',
                    'tflite_int8'):
        for mode in ('', '_decode'):
            assert f'pose-detection_{backend}{mode}_static.py' in names
    assert 'pose-detection_onnxruntime_dynamic.py' in names
    assert 'pose-detection_onnxruntime_decode_dynamic.py' in names
    for path in _all_configs():
        cfg = load_deploy_config(path)
        name = osp.basename(path)
        assert decode_in_graph(cfg) == ('_decode' in name), name
        assert cfg.onnx_config.opset_version >= 11
        view = mmdeploy_view(cfg)
        assert view.backend_config.type == 'onnxruntime', name
        if 'static-' in name:
            size = int(name.rsplit('-', 1)[-1].split('x')[0])
            assert cfg.onnx_config.input_shape == [size, size]
        elif 'static' in name:  # the size is the model's: one config serves every input size
            assert cfg.onnx_config.input_shape is None
            assert input_shape(cfg, Config.fromfile(MODEL_CFG)) == (64, 64)
        if 'dynamic' in name and 'int8-dynamic' not in name:
            assert 0 in cfg.onnx_config.dynamic_axes['input']


def test_tflite_view_uses_popos_backend_model():
    cfg = load_deploy_config(osp.join(DEPLOY_DIR, 'pose-detection_tflite_int8_static.py'))
    assert cfg.backend_config.type == 'tflite' and cfg.backend_config.precision == 'int8'
    assert mmdeploy_view(cfg).codebase_config.model_type == 'popos_end2end'
    # the stock heatmap ONNX config keeps mmdeploy's own End2EndModel
    plain = load_deploy_config(osp.join(DEPLOY_DIR, 'pose-detection_onnxruntime_dynamic.py'))
    assert 'model_type' not in mmdeploy_view(plain).codebase_config


def _base(**over):
    cfg = Config(dict(onnx_config=dict(type='onnx', opset_version=11, input_names=['input'],
                                       output_names=['output'], input_shape=[64, 64]),
                      codebase_config=dict(type='mmpose', task='PoseDetection'),
                      backend_config=dict(type='onnxruntime')))
    cfg.merge_from_dict(over)
    return cfg


@pytest.mark.parametrize('over, match', [
    ({'backend_config.type': 'tensorrt'}, 'backend_config.type'),
    ({'backend_config.type': 'tflite', 'backend_config.precision': 'int4'}, 'precision'),
    ({'onnx_config.opset_version': 9}, 'opset'),
    ({'codebase_config.task': 'Classification'}, 'PoseDetection'),
    ({'popos_export': dict(decode_in_graph=True)}, 'output_names'),
])
def test_bad_deploy_config_is_refused(over, match):
    with pytest.raises(ValueError, match=match):
        load_deploy_config(_base(**over))


def test_missing_section_is_refused():
    cfg = _base()
    cfg.pop('backend_config')
    with pytest.raises(ValueError, match='backend_config'):
        load_deploy_config(cfg)


def test_input_shape_mismatch_names_the_right_config():
    from popos.deploy.config import check_input_size
    model_cfg = Config.fromfile(MODEL_CFG)
    assert input_shape(_base(), model_cfg) == (64, 64)
    with pytest.raises(ValueError, match='input_shape=None'):
        check_input_size(_base(**{'onnx_config.input_shape': [256, 256]}), model_cfg)
