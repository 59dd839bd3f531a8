"""Real network inputs from a dataset: the val/test pipeline's crops, normalised as the model
does."""
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine import Config


def dataset_inputs(model_cfg: Config, split: str = 'val', num_samples: int = 64,
                   data_root: Optional[str] = None) -> np.ndarray:
    """(N,3,H,W) float32 inputs exactly as the model sees them at test time.

    Samples are spread evenly over the split (not the first N), run through the split's
    pipeline (GetBBoxCenterScale + TopdownAffine crops) and the model's data preprocessor.
    """
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS

    key = f'{split}_dataloader'
    if key not in model_cfg:
        raise ValueError(f'model config has no {key} to take calibration crops from')
    init_default_scope('mmpose')
    ds_cfg = model_cfg[key].dataset.copy()
    if data_root is not None:
        ds_cfg.data_root = data_root
    dataset = DATASETS.build(ds_cfg)
    if len(dataset) == 0:
        raise ValueError(f'the {split} split is empty: no real crops to calibrate on')
    index = np.unique(np.linspace(0, len(dataset) - 1, min(num_samples, len(dataset))).astype(int))
    preprocessor = MODELS.build(model_cfg.model.data_preprocessor)
    batches: List[torch.Tensor] = []
    for start in range(0, len(index), 16):
        items = [dataset[int(i)] for i in index[start:start + 16]]
        data = preprocessor(dict(inputs=[d['inputs'] for d in items],
                                 data_samples=[d['data_samples'] for d in items]), False)
        batches.append(data['inputs'].float())
    return torch.cat(batches).numpy()


def image_input(model_cfg: Config, img: Union[str, np.ndarray]) -> np.ndarray:
    """(1,3,H,W) input for one image, the whole image as the face box (mmdeploy's convention)."""
    from mmdeploy.apis import build_task_processor

    from .config import mmdeploy_view
    deploy = Config(dict(onnx_config=dict(type='onnx', input_shape=None),
                         codebase_config=dict(type='mmpose', task='PoseDetection'),
                         backend_config=dict(type='onnxruntime')))
    task = build_task_processor(model_cfg, mmdeploy_view(deploy), 'cpu')
    preprocessor = task.build_data_preprocessor()
    _, inputs = task.create_input(img, None, data_preprocessor=preprocessor)
    return inputs.float().cpu().numpy()
