"""mmdeploy backend model for popos exports: heatmap or decode-in-graph, onnxruntime or TFLite."""
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmdeploy.codebase.mmpose.deploy import pose_detection_model as _pdm
from mmengine.structures import InstanceData

from .config import decode_in_graph
from .runners import build_runner

# Why the "private" registry: mmdeploy 1.3 builds a pose backend model only through
# ``build_pose_detection_model``, which looks ``codebase_config.model_type`` up in this
# module-level ``__BACKEND_MODEL`` registry and nowhere else - there is no public registry or hook
# to add a model type ('end2end' and 'sdk' are registered the same way inside that module).
# Registering into it is the one extension point that keeps mmdeploy's own task, dataloaders and
# ``test_step`` in charge; install pins mmdeploy==1.3.1 and tests/deploy exercise it.
try:
    BACKEND_MODELS = vars(_pdm)['__BACKEND_MODEL']
except KeyError as err:  # a newer mmdeploy moved it: fail at import, not at export time
    raise ImportError('mmdeploy.codebase.mmpose.deploy.pose_detection_model has no '
                      '__BACKEND_MODEL registry (popos supports mmdeploy 1.3.x)') from err


class _RunnerWrapper:
    """mmdeploy wrapper interface (``__call__(dict) -> dict``, ``output_to_list``) over a runner.

    Used for ``.tflite`` files only (mmdeploy has no TFLite backend); ONNX files go through
    mmdeploy's own ``ORTWrapper`` (``End2EndModel._init_wrapper``)."""

    def __init__(self, path: str, output_names: Sequence[str]) -> None:
        self.runner = build_runner(path)
        self.output_names = list(output_names)

    def __call__(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        (x, ) = inputs.values()
        outs = self.runner(x.detach().cpu().numpy())
        return {n: torch.from_numpy(o) for n, o in zip(self.output_names, outs)}

    @staticmethod
    def output_to_list(outputs: Dict[str, torch.Tensor]) -> List[torch.Tensor]:
        return list(outputs.values())


@BACKEND_MODELS.register_module('popos_end2end')
class POPoSEnd2EndModel(_pdm.End2EndModel):
    """End2EndModel that also takes ``.tflite`` files and graphs that decode in-graph.

    Heatmap outputs are decoded by the model config's head (the POPoS codec), exactly as
    mmdeploy's ``End2EndModel`` does; decoded outputs (keypoints in input-crop px, scores)
    are only packed and mapped back to the image.
    """

    def _init_wrapper(self, backend, backend_files: Sequence[str], device: str, **kwargs):
        if backend_files[0].endswith('.tflite'):
            self.wrapper = _RunnerWrapper(backend_files[0], self.output_names)
        else:
            super()._init_wrapper(backend, backend_files, device, **kwargs)

    def forward(self, inputs: torch.Tensor, data_samples: list, mode: str = 'predict',
                **kwargs):
        if mode != 'predict':
            raise ValueError(f'backend models only support mode="predict", got {mode!r}')
        outputs = self.wrapper({self.input_name: inputs.contiguous().to(self.device)})
        outputs = self.wrapper.output_to_list(outputs)
        if decode_in_graph(self.deploy_cfg):
            keypoints, scores = (np.asarray(o.detach().cpu().numpy(), np.float32)
                                 for o in outputs[:2])
            preds = [InstanceData(keypoints=k[None], keypoint_scores=s[None])
                     for k, s in zip(keypoints, scores)]
        else:
            preds = self.head.decode(outputs[0])
        return self.pack_result(preds, data_samples)
