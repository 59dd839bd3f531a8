# onnxruntime, batch 1, input size = the model config's codec.input_size; POPoS decoding inside
# the graph: outputs keypoints (input-crop px) and scores.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/onnxruntime.py']
