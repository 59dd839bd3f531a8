# Not an mmdeploy backend: popos converts with litert-torch and quantises with
# ai-edge-quantizer (popos/deploy/tflite.py). The ONNX file exported on the way is the
# reference of the parity check.
backend_config = dict(
    type='tflite',
    precision='fp32',
    # full-integer int8 only: real crops from this split's test pipeline.
    calibration=dict(split='val', num_samples=64))
