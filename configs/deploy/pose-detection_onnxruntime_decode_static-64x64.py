# pose-detection_onnxruntime_decode_static.py with the input size pinned to 64x64
# (checked against the model's codec.input_size at export; tools/analysis/benchmark_embedded.py).
_base_ = ['./pose-detection_onnxruntime_decode_static.py']
onnx_config = dict(input_shape=[64, 64])
