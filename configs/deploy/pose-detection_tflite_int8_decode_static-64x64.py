# TFLite (full-integer int8, calibrated on real val crops, decoder in float), POPoS decoding inside the graph.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/tflite.py']
onnx_config = dict(input_shape=[64, 64])
backend_config = dict(precision='int8')
