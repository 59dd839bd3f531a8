# TFLite (full-integer int8, calibrated on real val crops, decoder in float),
# heatmaps out; input size = the model config's codec.input_size.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/tflite.py']
backend_config = dict(precision='int8')
