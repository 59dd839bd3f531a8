"""mmdeploy rewriter: with ``popos_export.decode_in_graph`` the head's forward ends with POPoS."""
from mmdeploy.core import FUNCTION_REWRITER

from .config import decode_in_graph
from .modules import decode_to_input_px


@FUNCTION_REWRITER.register_rewriter('popos.models.heads.popos_head.POPoSHead.forward')
def popos_head__forward(self, feats):
    """Heatmaps, or (keypoints in input px, scores) when the deploy config asks for it."""
    ctx = FUNCTION_REWRITER.get_context()
    heatmaps = ctx.origin_func(self, feats)
    if not decode_in_graph(ctx.cfg):
        return heatmaps
    return decode_to_input_px(heatmaps, self.decoder)
