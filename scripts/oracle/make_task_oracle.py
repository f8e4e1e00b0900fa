"""Reference figures for task mode (issue 15), computed here independently of the TypeScript code.

What it does:
  1. Runs the three fixture detectors (fixtures/models/detector-{ultralytics,yolov5,nms}.onnx) with
     onnxruntime on the bundled photos (Pillow bilinear resize to 128x128, /255, ImageNet mean/std).
     Those outputs are the *second* side (the reference).
     For the two raw layouts one more key, "clusters", is a constructed output (function
     clusters()) whose boxes crowd together, so NMS has real work.
  2. Makes the *first* side (a stand-in for an FP16/INT8 engine) by perturbing them with seeded noise
     (numpy default_rng(15)): box values +N(0, 0.6 px), scores +N(0, 0.03) clipped to [0, 1]; for the
     EfficientNMS outputs also one detection's class changed and the last detection dropped, so the
     matching has something to find.
  3. Writes both sides' outputs as .npy to fixtures/tasks/detect/<layout>/, and decodes, suppresses
     and matches them with its own numpy code (below), writing the results to
     fixtures/tasks/detect-oracle.json.
  4. Writes Wilson 95% intervals from statsmodels to fixtures/tasks/wilson-oracle.json.

The conventions (documented in docs/tasks.md) it implements: Ultralytics decode (best class per
anchor, score > conf), YOLOv5 decode (objectness > conf, then obj*cls > conf), class-aware NMS that
drops a box whose IoU with a kept box of its class is > iou (candidates by descending score, ties by
index, at most 30000 candidates and max_det kept), EfficientNMS outputs taken as given (first
num_dets). Matching: the first side's boxes by descending score each take the unmatched reference
box of the same class with the highest IoU >= 0.5. P = matched/first, R = matched/second,
F1 = 2*matched/(first+second); both empty -> 1, 1, 1; one side empty -> 0, 0, 0.

Run from the repository root:  python scripts/oracle/make_task_oracle.py
(needs numpy, Pillow, onnxruntime, statsmodels).
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort
import PIL
import statsmodels
from PIL import Image
from statsmodels.stats.proportion import proportion_confint

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PHOTOS = os.path.join(ROOT, "fixtures", "images", "photos")
OUT = os.path.join(ROOT, "fixtures", "tasks")
CONF, IOU, MAX_DET, MATCH_IOU = 0.25, 0.7, 300, 0.5


def load_photo(path):
    im = Image.open(path).convert("RGB").resize((128, 128), Image.BILINEAR)
    x = np.asarray(im, dtype=np.float32) / 255.0
    x = (x - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


# ---------------------------------------------------------------- decode

def xywh_to_xyxy(b):
    return np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], axis=1)


def candidates_ultralytics(out):  # out: [4+nc, N]
    boxes = out[:4].T
    cls_scores = out[4:].T
    cls = cls_scores.argmax(axis=1)
    score = cls_scores[np.arange(len(cls)), cls]
    keep = score > CONF
    return xywh_to_xyxy(boxes[keep].astype(np.float64)), score[keep].astype(np.float64), cls[keep]


def candidates_yolov5(out):  # out: [N, 5+nc]
    out = out[out[:, 4] > CONF]
    conf = out[:, 5:].astype(np.float64) * out[:, 4:5].astype(np.float64)
    # The TS code multiplies in float64 too (JS numbers); the product of two float32s is exact in float64.
    cls = conf.argmax(axis=1)
    score = conf[np.arange(len(cls)), cls]
    keep = score > CONF
    return xywh_to_xyxy(out[keep, :4].astype(np.float64)), score[keep], cls[keep]


def iou_matrix(a, b):
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def nms(boxes, scores, cls):
    order = np.argsort(-scores, kind="stable")[:30000]
    boxes, scores, cls = boxes[order], scores[order], cls[order]
    ious = iou_matrix(boxes, boxes)
    alive = np.ones(len(scores), bool)
    kept = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        kept.append(i)
        if len(kept) == MAX_DET:
            break
        alive &= ~((cls == cls[i]) & (ious[i] > IOU))
        alive[i] = False
    kept = np.array(kept, dtype=np.int64)
    return boxes[kept], scores[kept], cls[kept]


def detections(layout, outs):
    if layout == "efficient-nms":
        n = int(outs["num_dets"][0, 0])
        return (outs["det_boxes"][0, :n].astype(np.float64), outs["det_scores"][0, :n].astype(np.float64),
                outs["det_classes"][0, :n].astype(np.int64))
    pred = outs["output0"][0]
    return nms(*(candidates_ultralytics(pred) if layout == "ultralytics" else candidates_yolov5(pred)))


# ---------------------------------------------------------------- matching

def match(first, second):
    fb, fs, fc = first
    sb, ss, sc = second
    ious = iou_matrix(fb, sb) if len(fb) and len(sb) else np.zeros((len(fb), len(sb)))
    s_rank = np.argsort(-ss, kind="stable")
    used = set()
    pairs = []
    for i in np.argsort(-fs, kind="stable"):
        best, best_iou = None, MATCH_IOU
        for j in s_rank:  # reference boxes by descending score: on equal IoU the better-scored wins
            if j in used or sc[j] != fc[i]:
                continue
            if ious[i, j] >= best_iou and (best is None or ious[i, j] > best_iou):
                best, best_iou = j, ious[i, j]
        if best is not None:
            used.add(best)
            pairs.append((int(i), int(best), float(ious[i, best])))
    return pairs


def figures(n_first, n_second, pairs, score_deltas):
    m = len(pairs)
    if n_first == 0 and n_second == 0:
        p = r = f1 = 1.0
    else:
        p = m / n_first if n_first else 0.0
        r = m / n_second if n_second else 0.0
        f1 = 2 * m / (n_first + n_second)
    return {
        "firstCount": n_first, "secondCount": n_second, "matched": m,
        "onlyFirst": n_first - m, "onlySecond": n_second - m,
        "precision": p, "recall": r, "f1": f1,
        "meanIou": float(np.mean([q[2] for q in pairs])) if m else None,
        "maxScoreDelta": float(max(score_deltas)) if m else None,
    }


def dets_json(d):
    b, s, c = d
    return [[float(v) for v in b[k]] + [float(s[k]), int(c[k])] for k in range(len(s))]


# ---------------------------------------------------------------- main

def perturb(layout, outs, rng):
    p = {k: v.copy() for k, v in outs.items()}
    if layout == "ultralytics":
        o = p["output0"]
        o[:, :4] += rng.normal(0, 0.6, o[:, :4].shape).astype(np.float32)
        o[:, 4:] = np.clip(o[:, 4:] + rng.normal(0, 0.03, o[:, 4:].shape).astype(np.float32), 0, 1)
    elif layout == "yolov5":
        o = p["output0"]
        o[..., :4] += rng.normal(0, 0.6, o[..., :4].shape).astype(np.float32)
        o[..., 4:] = np.clip(o[..., 4:] + rng.normal(0, 0.03, o[..., 4:].shape).astype(np.float32), 0, 1)
    else:
        n = int(p["num_dets"][0, 0])
        p["det_boxes"][0, :n] += rng.normal(0, 0.6, (n, 4)).astype(np.float32)
        p["det_scores"][0, :n] = np.clip(p["det_scores"][0, :n] + rng.normal(0, 0.03, n).astype(np.float32), 0, 1)
        if n >= 2:
            p["det_classes"][0, 1] = (p["det_classes"][0, 1] + 1) % 3
            p["num_dets"][0, 0] = n - 1
    return p


def clusters(layout, rng):
    """A constructed raw output (no model) whose boxes crowd around 6 centres in 3 classes, so that
    NMS suppresses most candidates and near-threshold IoUs occur: the photos alone rarely overlap."""
    n, nc = 256, 3
    centres = rng.uniform(20, 108, (6, 2))
    k = rng.integers(0, 6, n)
    xy = centres[k] + rng.normal(0, 4, (n, 2))
    wh = rng.uniform(20, 40, (6, 2))[k] * rng.uniform(0.85, 1.15, (n, 2))
    scores = rng.uniform(0, 0.35, (n, nc))
    scores[np.arange(n), k % nc] = rng.uniform(0.1, 0.95, n)
    if layout == "ultralytics":
        return np.concatenate([xy, wh, scores], axis=1).T[None].astype(np.float32)
    obj = rng.uniform(0.2, 1.0, (n, 1))
    return np.concatenate([xy, wh, obj, scores], axis=1)[None].astype(np.float32)


def main():
    rng = np.random.default_rng(15)
    photos = sorted(f for f in os.listdir(PHOTOS) if f.endswith(".jpg"))
    inputs = {f: load_photo(os.path.join(PHOTOS, f)) for f in photos}
    result = {
        "provenance": {
            "script": "scripts/oracle/make_task_oracle.py",
            "python": sys.version.split()[0], "numpy": np.__version__, "onnxruntime": ort.__version__,
            "pillow": PIL.__version__, "statsmodels": statsmodels.__version__,
            "second": "onnxruntime CPU outputs of the fixture detectors on the bundled photos",
            "first": "the second side plus seeded noise (numpy default_rng(15)), see the script",
        },
        "settings": {"conf": CONF, "iou": IOU, "maxDet": MAX_DET, "matchIou": MATCH_IOU, "matching": "greedy by score"},
        "layouts": {},
    }
    for layout, model in [("ultralytics", "detector-ultralytics"), ("yolov5", "detector-yolov5"), ("efficient-nms", "detector-nms")]:
        sess = ort.InferenceSession(os.path.join(ROOT, "fixtures", "models", model + ".onnx"), providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        folder = os.path.join(OUT, "detect", layout)
        os.makedirs(folder, exist_ok=True)
        per_image = []
        total = {"first": 0, "second": 0, "pairs": [], "deltas": []}
        keys = [(p.rsplit(".", 1)[0], p) for p in photos] + ([("clusters", None)] if layout != "efficient-nms" else [])
        for key, photo in keys:
            second = dict(zip(names, sess.run(None, {"images": inputs[photo]}))) if photo else {"output0": clusters(layout, rng)}
            first = perturb(layout, second, rng)
            for side, outs in (("first", first), ("second", second)):
                for name, arr in outs.items():
                    np.save(os.path.join(folder, f"{key}.{side}.{name}.npy"), arr)
            df, ds = detections(layout, first), detections(layout, second)
            pairs = match(df, ds)
            deltas = [abs(df[1][i] - ds[1][j]) for i, j, _ in pairs]
            per_image.append({"key": key, "first": dets_json(df), "second": dets_json(ds),
                              "pairs": [[i, j] for i, j, _ in pairs], **figures(len(df[1]), len(ds[1]), pairs, deltas)})
            total["first"] += len(df[1])
            total["second"] += len(ds[1])
            total["pairs"] += pairs
            total["deltas"] += deltas
        summary = figures(total["first"], total["second"], total["pairs"], total["deltas"])
        summary["images"] = len(per_image)
        summary["imagesWithDifferences"] = sum(1 for r in per_image if r["f1"] < 1)
        result["layouts"][layout] = {"outputs": names, "images": per_image, "summary": summary}
    with open(os.path.join(OUT, "detect-oracle.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    cases = [(0, 0), (0, 1), (1, 1), (4, 4), (3, 4), (97, 100), (500, 500), (990, 1000), (1, 2), (0, 10)]
    wilson = [{"successes": k, "n": n, "low": float(lo), "high": float(hi)}
              for k, n in cases if n > 0 for lo, hi in [proportion_confint(k, n, alpha=0.05, method="wilson")]]
    with open(os.path.join(OUT, "wilson-oracle.json"), "w") as f:
        json.dump({"provenance": {"script": "scripts/oracle/make_task_oracle.py", "statsmodels": statsmodels.__version__,
                                  "call": "statsmodels.stats.proportion.proportion_confint(k, n, alpha=0.05, method='wilson')"},
                   "cases": wilson}, f, indent=1)
        f.write("\n")
    for layout, r in result["layouts"].items():
        s = r["summary"]
        print(f"{layout:14} first {s['firstCount']:3} second {s['secondCount']:3} matched {s['matched']:3} F1 {s['f1']:.4f} "
              f"per image {[ (i['firstCount'], i['secondCount'], i['matched']) for i in r['images']]}")


if __name__ == "__main__":
    main()
