# POPoS decoding inside the graph: outputs keypoints (input-crop px) and scores.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/onnxruntime.py']
onnx_config = dict(input_shape=[128, 128])
