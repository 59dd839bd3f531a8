# TFLite (float16 weights (dequantised at load), float32 compute), POPoS decoding inside the graph;
# input size = the model config's codec.input_size.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/tflite.py']
backend_config = dict(precision='fp16')
