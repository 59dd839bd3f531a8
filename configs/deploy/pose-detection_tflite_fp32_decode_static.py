# TFLite (float32), POPoS decoding inside the graph;
# input size = the model config's codec.input_size.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/tflite.py']
backend_config = dict(precision='fp32')
