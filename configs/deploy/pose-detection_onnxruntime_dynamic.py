# onnxruntime, dynamic batch, input size from the model's codec.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/onnxruntime.py']
onnx_config = dict(
    dynamic_axes=dict(input=dict({0: 'batch'}), output=dict({0: 'batch'})))
