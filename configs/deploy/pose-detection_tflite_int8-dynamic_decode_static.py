# TFLite (dynamic-range int8: int8 weights, activations quantised on the fly),
# POPoS decoding inside the graph;
# input size = the model config's codec.input_size.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/tflite.py']
backend_config = dict(precision='int8-dynamic')
