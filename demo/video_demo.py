"""Landmarks on a video or a webcam: tracked faces, One-Euro smoothing, annotated video + json.

    python demo/video_demo.py clip.mp4 --out out.mp4                 # writes out.mp4 + out.json
    python demo/video_demo.py 0 --out cam.mp4 --max-frames 300       # camera index 0
    python demo/video_demo.py clip.mp4 --out out.mp4 --min-cutoff 0.5 --beta 0.02
    python demo/video_demo.py clip.mp4 --out out.mp4 --no-smooth
    python demo/video_demo.py 0 --out cam.mp4 --decoder anchor_mask=monotone robust_iters=0

Faces keep their id across frames while their boxes overlap (IoU >= --iou-thr); each id has
its own One-Euro filter over its landmarks. ``out.json`` holds one entry per frame.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from popos.utils.launch import add_decoder_argument  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('source', help='video file, or a camera index (0, 1, ...)')
    parser.add_argument('--out', required=True, help='annotated video (.mp4); json beside it')
    parser.add_argument('--model', default='default')
    parser.add_argument('--weights')
    parser.add_argument('--detector', default='dlib', choices=['dlib', 'haar'])
    parser.add_argument('--device', default='cpu')
    add_decoder_argument(parser)
    parser.add_argument('--max-frames', type=int, help='stop after this many frames')
    parser.add_argument('--no-smooth', action='store_true', help='raw landmarks')
    parser.add_argument('--min-cutoff', type=float, default=1.0, help='One-Euro min cut-off, Hz')
    parser.add_argument('--beta', type=float, default=0.05, help='One-Euro speed coefficient')
    parser.add_argument('--d-cutoff', type=float, default=1.0, help='One-Euro speed cut-off, Hz')
    parser.add_argument('--iou-thr', type=float, default=0.3)
    return parser.parse_args(argv)


def run(args) -> int:
    import cv2
    from tqdm import tqdm

    from popos.apis import FaceLandmarker
    from popos.apis.drawing import draw_faces
    from popos.apis.tracking import FaceTracker

    source = int(args.source) if args.source.isdigit() else args.source
    if isinstance(source, str) and not osp.isfile(source):
        sys.exit(f'no such video: {source}')
    cap = cv2.VideoCapture(source)
    if not cap.isOpened():
        sys.exit(f'cannot open video source {args.source}')
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    if args.max_frames:
        total = min(total or args.max_frames, args.max_frames)
    lm = FaceLandmarker(args.model, weights=args.weights, detector=args.detector,
                        device=args.device, decoder=args.decoder)
    smoothing = None if args.no_smooth else dict(
        min_cutoff=args.min_cutoff, beta=args.beta, d_cutoff=args.d_cutoff)
    tracker = FaceTracker(iou_thr=args.iou_thr, smoothing=smoothing)
    writer, frames = None, []
    with tqdm(total=total, unit='frame') as bar:
        while args.max_frames is None or len(frames) < args.max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            faces = tracker.update(lm(frame), dt=1.0 / fps)
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
            writer.write(draw_faces(frame, faces))
            frames.append(dict(frame=len(frames), faces=[dict(
                track_id=int(f['track_id']), bbox=[float(v) for v in f['bbox']],
                keypoints=f['keypoints'].astype(float).tolist()) for f in faces]))
            bar.update(1)
    cap.release()
    if writer is not None:
        writer.release()
    with open(osp.splitext(args.out)[0] + '.json', 'w', encoding='utf-8') as f:
        json.dump(dict(source=str(args.source), fps=fps, frames=frames), f)
    print(f'{len(frames)} frames -> {args.out}')
    return 0 if frames else 1


if __name__ == '__main__':
    sys.exit(run(parse_args()))
