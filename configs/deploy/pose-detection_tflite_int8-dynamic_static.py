# TFLite (dynamic-range int8: int8 weights, activations quantised on the fly),
# heatmaps out; input size = the model config's codec.input_size.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/tflite.py']
backend_config = dict(precision='int8-dynamic')
