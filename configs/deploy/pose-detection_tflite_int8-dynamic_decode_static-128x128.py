# TFLite (dynamic-range int8: int8 weights, activations quantised on the fly), POPoS decoding inside the graph.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/tflite.py']
onnx_config = dict(input_shape=[128, 128])
backend_config = dict(precision='int8-dynamic')
