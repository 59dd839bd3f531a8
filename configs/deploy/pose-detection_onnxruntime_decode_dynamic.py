# onnxruntime, dynamic batch, POPoS decoding inside the graph.
_base_ = ['./_base_/pose-detection_decode.py', './_base_/backends/onnxruntime.py']
onnx_config = dict(
    dynamic_axes=dict(
        input=dict({0: 'batch'}),
        keypoints=dict({0: 'batch'}),
        scores=dict({0: 'batch'})))
