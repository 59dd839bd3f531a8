# TFLite (dynamic-range int8: int8 weights, activations quantised on the fly), heatmaps out.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/tflite.py']
onnx_config = dict(input_shape=[128, 128])
backend_config = dict(precision='int8-dynamic')
