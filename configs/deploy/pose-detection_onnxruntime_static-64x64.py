_base_ = ['./_base_/onnx_config.py', './_base_/backends/onnxruntime.py']
onnx_config = dict(input_shape=[64, 64])
