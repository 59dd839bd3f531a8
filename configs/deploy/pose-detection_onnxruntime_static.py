# onnxruntime, batch 1, input size = the model config's codec.input_size; heatmaps out.
_base_ = ['./_base_/onnx_config.py', './_base_/backends/onnxruntime.py']
