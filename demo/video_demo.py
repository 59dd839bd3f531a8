"""Landmarks on a video or a webcam: tracked faces, One-Euro smoothing, annotated video + json.

    python demo/video_demo.py clip.mp4 --out out.mp4                 # writes out.mp4 + out.json
    python demo/video_demo.py 0 --out cam.mp4 --max-frames 300       # camera index 0
    python demo/video_demo.py clip.mp4 --out out.mp4 --min-cutoff 0.5 --beta 0.02
    python demo/video_demo.py clip.mp4 --out out.mp4 --no-smooth
    python demo/video_demo.py 0 --out cam.mp4 --decoder anchor_mask=monotone robust_iters=0
    python demo/video_demo.py clip.mp4 --out out.mp4 --model tiny --backend tflite   # int8

Faces keep their id across frames while their boxes overlap (IoU >= --iou-thr); each id has
its own One-Euro filter over its landmarks. ``out.json`` holds one entry per frame. ``--out``
must end in .mp4, .m4v, .mov (MPEG-4) or .avi (Motion-JPEG); its directory is created; an
existing file is replaced, the source never.
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.utils.launch import add_decoder_argument  # noqa: E402
from popos.apis.cli import BACKENDS, build_landmarker, check_model, parse_cli  # noqa: E402

FOURCC = {'.mp4': 'mp4v', '.m4v': 'mp4v', '.mov': 'mp4v', '.avi': 'MJPG'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('source', help='video file, or a camera index (0, 1, ...)')
    parser.add_argument('--out', required=True,
                        help=f'annotated video ({", ".join(FOURCC)}); <out stem>.json beside it')
    parser.add_argument('--model', default='default', help='shipped name or model config')
    parser.add_argument('--weights', help='checkpoint (--backend torch; needed with a config '
                        "--model), or the exported .onnx / .tflite file (default: the shipped "
                        "model's own export)")
    parser.add_argument('--backend', default='torch', choices=BACKENDS)
    parser.add_argument('--detector', default='dlib', choices=['dlib', 'haar'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--flip-test', action='store_true', help='(--backend torch)')
    add_decoder_argument(parser, note=' (--backend torch)')
    parser.add_argument('--max-frames', type=int, help='stop after this many frames')
    parser.add_argument('--no-smooth', action='store_true', help='raw landmarks')
    parser.add_argument('--min-cutoff', type=float, default=1.0, help='One-Euro min cut-off, Hz')
    parser.add_argument('--beta', type=float, default=0.05, help='One-Euro speed coefficient')
    parser.add_argument('--d-cutoff', type=float, default=1.0, help='One-Euro speed cut-off, Hz')
    parser.add_argument('--iou-thr', type=float, default=0.3)
    args = parse_cli(parser, argv)
    ext = osp.splitext(args.out)[1].lower()
    if ext not in FOURCC:
        parser.error(f'--out {args.out}: name the video file with one of the extensions '
                     f'{", ".join(FOURCC)}')
    if args.max_frames is not None and args.max_frames < 1:
        parser.error('--max-frames must be at least 1')
    if args.flip_test and args.backend != 'torch':
        parser.error('--flip-test needs --backend torch: an exported graph holds one forward '
                     'pass')
    # checked here: the tracker is built after the video writer has replaced --out
    if not args.no_smooth and not (args.min_cutoff > 0 and args.d_cutoff > 0 and args.beta >= 0):
        parser.error(f'One-Euro smoothing needs --min-cutoff > 0, --d-cutoff > 0 and --beta >= 0'
                     f' (got {args.min_cutoff}, {args.d_cutoff}, {args.beta})')
    if not 0 <= args.iou_thr <= 1:
        parser.error(f'--iou-thr must be in [0, 1], got {args.iou_thr}')
    return args


def run(args) -> int:
    import cv2
    from tqdm import tqdm

    from popos.apis.drawing import draw_faces
    from popos.apis.tracking import FaceTracker

    source = int(args.source) if args.source.isdigit() else args.source
    json_out = osp.splitext(args.out)[0] + '.json'
    if isinstance(source, str):
        if not osp.isfile(source):
            sys.exit(f'no such video: {source}')
        if osp.realpath(source) in (osp.realpath(args.out), osp.realpath(json_out)):
            sys.exit(f'--out {args.out} would replace the source video {source}')
    check_model(args.model, args.weights, args.backend, args.decoder)
    cap = cv2.VideoCapture(source)
    ok, frame = cap.read() if cap.isOpened() else (False, None)
    if not ok:
        cap.release()
        what = 'camera' if isinstance(source, int) else 'video OpenCV can decode'
        sys.exit(f'cannot read a frame from {args.source}: not a {what}')
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    if args.max_frames:
        total = min(total or args.max_frames, args.max_frames)
    lm = build_landmarker(args.model, weights=args.weights, detector=args.detector,
                          device=args.device, backend=args.backend, decoder=args.decoder,
                          flip_test=args.flip_test)
    try:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    except OSError as err:
        sys.exit(f'cannot create the directory of --out {args.out}: {err}')
    h, w = frame.shape[:2]
    fourcc = FOURCC[osp.splitext(args.out)[1].lower()]
    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    if not writer.isOpened():
        cap.release()
        sys.exit(f'cannot write the video {args.out} (codec {fourcc}, {w}x{h}); try .avi')
    smoothing = None if args.no_smooth else dict(
        min_cutoff=args.min_cutoff, beta=args.beta, d_cutoff=args.d_cutoff)
    tracker = FaceTracker(iou_thr=args.iou_thr, smoothing=smoothing)
    frames = []
    with tqdm(total=total, unit='frame') as bar:
        while ok:
            faces = tracker.update(lm(frame), dt=1.0 / fps)
            writer.write(draw_faces(frame, faces))
            frames.append(dict(frame=len(frames), faces=[dict(
                track_id=int(f['track_id']), bbox=[float(v) for v in f['bbox']],
                keypoints=f['keypoints'].astype(float).tolist()) for f in faces]))
            bar.update(1)
            if args.max_frames is not None and len(frames) >= args.max_frames:
                break
            ok, frame = cap.read()
    cap.release()
    writer.release()
    with open(json_out, 'w', encoding='utf-8') as f:
        json.dump(dict(source=str(args.source), fps=fps, frames=frames), f)
    n_faces = sum(len(fr['faces']) for fr in frames)
    print(f'{len(frames)} frame(s), {n_faces} face(s) -> {args.out}, {json_out}')
    return 0


if __name__ == '__main__':
    sys.exit(run(parse_args()))
