_base_ = ['./onnx_config.py']
# The exported graph ends with popos' batched POPoS decoder: outputs keypoints (B, K, 2) in
# input-crop pixels and scores (B, K); no Python post-processing is needed on the device.
onnx_config = dict(output_names=['keypoints', 'scores'])
codebase_config = dict(model_type='popos_end2end')
popos_export = dict(decode_in_graph=True)
