# TFLite (float16 weights (dequantised at load), float32 compute), heatmaps out.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/tflite.py']
onnx_config = dict(input_shape=[128, 128])
backend_config = dict(precision='fp16')
