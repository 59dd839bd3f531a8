"""tools/test.py-style evaluation of an exported model through mmdeploy's backend model."""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

from mmengine import Config

from .config import backend_of, decode_in_graph, load_deploy_config, mmdeploy_view
from .export import load_model_config


def has_dynamic_batch(deploy_cfg: Config) -> bool:
    """Whether the ONNX input has a dynamic batch axis."""
    axes = deploy_cfg.onnx_config.get('dynamic_axes') or {}
    name = deploy_cfg.onnx_config.input_names[0]
    return 0 in (axes.get(name) or {})


def check_backend_files(deploy_cfg: Config, files: Sequence[str]) -> None:
    """The backend files must exist and match the deploy config's backend."""
    if not files:
        raise ValueError('no backend model file given')
    want = '.tflite' if backend_of(deploy_cfg) == 'tflite' else '.onnx'
    for f in files:
        if not osp.isfile(f):
            raise FileNotFoundError(f'backend model not found: {f}')
        if not f.endswith(want):
            raise ValueError(f'{f}: the deploy config is for {backend_of(deploy_cfg)} and '
                             f'expects a {want} file')
        # mmdeploy would fail later with "Invalid output name" on a mode mismatch
        decode, outputs = decode_in_graph(deploy_cfg), _num_outputs(f)
        if outputs != (2 if decode else 1):
            has = 'keypoints and scores (decoder in the graph)' if outputs == 2 else \
                'heatmaps' if outputs == 1 else f'{outputs} outputs'
            use = 'a *_decode_* deploy config' if outputs == 2 else 'a deploy config without ' \
                '_decode_'
            raise ValueError(f'{f} outputs {has} but the deploy config expects '
                             f'{"keypoints and scores" if decode else "heatmaps"}: use {use}')


def _num_outputs(path: str) -> int:
    """Output count of an exported .onnx / .tflite graph."""
    if path.endswith('.onnx'):
        import onnx
        return len(onnx.load(path, load_external_data=False).graph.output)
    from ai_edge_litert.interpreter import Interpreter
    return len(Interpreter(model_path=path).get_signature_runner().get_output_details())


def build_backend_model(deploy_cfg: Union[str, Config], model_cfg: Union[str, Config],
                        files: Sequence[str], device: str = 'cpu'):
    """(task_processor, backend model) built by mmdeploy for the exported files."""
    from mmdeploy.apis import build_task_processor

    from . import backend_model  # noqa: F401  (registers 'popos_end2end')
    cfg = load_deploy_config(deploy_cfg)
    check_backend_files(cfg, files)
    model_cfg = load_model_config(model_cfg)
    task = build_task_processor(model_cfg, mmdeploy_view(cfg), device)
    model = task.build_backend_model(list(files), task.update_data_preprocessor)
    return task, model


def evaluate_backend(deploy_cfg: Union[str, Config], model_cfg: Union[str, Config],
                     files: Sequence[str], work_dir: str, device: str = 'cpu',
                     batch_size: Optional[int] = None,
                     cfg_options: Optional[dict] = None) -> Dict[str, float]:
    """Run the model config's test loop (dataloader + evaluator) on the backend model."""
    model_cfg = load_model_config(model_cfg)
    if cfg_options:
        model_cfg.merge_from_dict(cfg_options)
    cfg = load_deploy_config(deploy_cfg)
    static_onnx = backend_of(cfg) == 'onnxruntime' and not has_dynamic_batch(cfg)
    if batch_size is None and static_onnx:
        batch_size = 1  # a static ONNX graph has batch 1 (mmdeploy's tools/test.py default)
    elif static_onnx and batch_size != 1:
        raise ValueError(f'the deploy config {cfg.filename or ""} exports a static batch of 1: '
                         f'evaluate with --batch-size 1 (or export with a *_dynamic config), '
                         f'got {batch_size}')
    if batch_size:
        model_cfg.test_dataloader.batch_size = batch_size
    task, model = build_backend_model(cfg, model_cfg, files, device)
    runner = task.build_test_runner(model, work_dir, log_file=None,
                                    dataloader=model_cfg.test_dataloader)
    return dict(runner.test())
