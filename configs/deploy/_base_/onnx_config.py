# mmdeploy's ONNX IR settings (the wheel ships no configs; this mirrors mmdeploy's _base_).
onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    opset_version=11,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['output'],
    input_shape=None,
    optimize=True)
codebase_config = dict(type='mmpose', task='PoseDetection')
# popos: True ends the graph with the POPoS decoder (keypoints in input-crop px, scores).
popos_export = dict(decode_in_graph=False)
