# TFLite (float32), heatmaps out; input size = the model config's codec.input_size.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/tflite.py']
backend_config = dict(precision='fp32')
