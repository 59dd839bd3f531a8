"""Deployment: mmdeploy ONNX export, TFLite conversion, backend models and parity checks.

Not imported by ``import popos`` (it pulls in mmdeploy and onnx); the tools import it.
Importing it registers the decode-in-graph rewriter and the ``popos_end2end`` backend model.
"""
import popos  # noqa: F401  (registers the codec, head and metric first)

from . import backend_model, rewriters  # noqa: F401,E402
from .config import decode_in_graph, load_deploy_config, mmdeploy_view  # noqa: E402
from .evaluate import build_backend_model, evaluate_backend  # noqa: E402
from .export import build_torch_model, export_onnx, onnx_export_without_dynamo  # noqa: E402
from .modules import DecodedModel, DecoderModel, HeatmapModel, decode_to_input_px  # noqa: E402
from .parity import compare  # noqa: E402
from .pipeline import deploy  # noqa: E402
from .runners import build_runner  # noqa: E402

__all__ = [
    'DecodedModel', 'DecoderModel', 'HeatmapModel', 'build_backend_model', 'build_runner',
    'build_torch_model',
    'compare', 'decode_in_graph', 'decode_to_input_px', 'deploy', 'evaluate_backend',
    'export_onnx', 'load_deploy_config', 'mmdeploy_view', 'onnx_export_without_dynamo'
]
