#!/usr/bin/env python3
"""Golden values for vidgraph's DAVIS evaluation, with the semantics of the official
davisvideochallenge/davis2017-evaluation code (metrics.py: db_eval_iou, f_measure/_seg2bmap with
skimage.morphology.disk + cv2.dilate; utils.py: db_statistics). Written independently here.

Modes:
  fixtures            write Tests/EvaluationTests/Fixtures/{masks/*.png, davis_golden.json}
  eval --pred P --gt G [--sequences a,b] [--json FILE]
                      evaluate PRED/<seq>/<frame>.png against GT/<seq>/<frame>.png (or a DAVIS root
                      with Annotations/480p) like `vidgraph eval segment` (all frames, nonzero =
                      foreground, missing prediction = empty mask); prints J, F, J&F in percent.
Run with:  $(VIDGRAPH_VENV=/work/venv tools/python-env) tools/reference/davis_eval_golden.py fixtures
"""
import argparse
import json
import math
import os
import sys

import cv2
import numpy as np
from PIL import Image
from skimage.morphology import disk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "EvaluationTests", "Fixtures")


def region_j(gt, pred):
    gt = gt.astype(bool)
    pred = pred.astype(bool)
    union = np.sum(gt | pred)
    if np.isclose(union, 0):
        return 1.0
    return float(np.sum(gt & pred) / union)


def boundary_map(seg):
    """seg2bmap at the mask's own size: differs from right / down / down-right neighbour."""
    seg = seg.astype(bool)
    right = np.zeros_like(seg)
    down = np.zeros_like(seg)
    diag = np.zeros_like(seg)
    right[:, :-1] = seg[:, 1:]
    down[:-1, :] = seg[1:, :]
    diag[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ right) | (seg ^ down) | (seg ^ diag)
    b[-1, :] = seg[-1, :] ^ right[-1, :]
    b[:, -1] = seg[:, -1] ^ down[:, -1]
    b[-1, -1] = 0
    return b


def boundary_pr(pred, gt, bound_th=0.008):
    if bound_th >= 1:
        radius = bound_th
    else:
        radius = np.ceil(bound_th * np.linalg.norm(pred.shape))
    fg_b = boundary_map(pred)
    gt_b = boundary_map(gt)
    kernel = disk(radius).astype(np.uint8)
    fg_dil = cv2.dilate(fg_b.astype(np.uint8), kernel)
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), kernel)
    n_fg = int(np.sum(fg_b))
    n_gt = int(np.sum(gt_b))
    if n_fg == 0 and n_gt > 0:
        p, r = 1.0, 0.0
    elif n_fg > 0 and n_gt == 0:
        p, r = 0.0, 1.0
    elif n_fg == 0 and n_gt == 0:
        p, r = 1.0, 1.0
    else:
        p = float(np.sum(fg_b * gt_dil)) / float(n_fg)
        r = float(np.sum(gt_b * fg_dil)) / float(n_gt)
    return p, r, int(radius)


def boundary_f(pred, gt, bound_th=0.008):
    p, r, _ = boundary_pr(pred, gt, bound_th)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def statistics(values):
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.nanmean(values)
            recall = np.nanmean(values > 0.5)
            ids = (np.round(np.linspace(1, len(values), 5) + 1e-10) - 1).astype(np.uint8)
            bins = [values[ids[i]:ids[i + 1] + 1] for i in range(4)]
            decay = np.nanmean(bins[0]) - np.nanmean(bins[3])
    return float(mean), float(recall), float(decay)


def save_mask(path, mask):
    Image.fromarray((mask.astype(bool) * 255).astype(np.uint8), mode="L").save(path, optimize=True)


def blobs(rng, h, w, n):
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w), bool)
    for _ in range(n):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(2, h / 3), rng.uniform(2, w / 3)
        m |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return m


def cases():
    rng = np.random.default_rng(20261123)
    h, w = 48, 64
    out = []
    for i in range(4):
        gt = blobs(rng, h, w, 3)
        pred = blobs(rng, h, w, 3) if i % 2 else np.roll(gt, (2, -3), axis=(0, 1)) ^ (rng.random((h, w)) < 0.03)
        out.append((f"blobs{i}", pred, gt))
    gt = blobs(rng, h, w, 2)
    out.append(("empty_pred", np.zeros((h, w), bool), gt))
    out.append(("empty_gt", blobs(rng, h, w, 2), np.zeros((h, w), bool)))
    out.append(("both_empty", np.zeros((h, w), bool), np.zeros((h, w), bool)))
    one_a = np.zeros((h, w), bool); one_a[10, 20] = True
    one_b = np.zeros((h, w), bool); one_b[13, 24] = True
    one_c = np.zeros((h, w), bool); one_c[40, 5] = True
    out.append(("one_pixel_near", one_a, one_b))
    out.append(("one_pixel_far", one_a, one_c))
    out.append(("one_pixel_same", one_a, one_a.copy()))
    corner = np.zeros((h, w), bool); corner[h - 1, w - 1] = True
    out.append(("corner_pixel", corner, one_a))
    full = np.ones((h, w), bool)
    out.append(("full_vs_blob", full, blobs(rng, h, w, 2)))
    border_p = np.zeros((h, w), bool); border_p[:, :7] = True; border_p[h - 5:, :] = True
    border_g = np.zeros((h, w), bool); border_g[:, :5] = True; border_g[h - 3:, 30:] = True; border_g[0, :] = True
    out.append(("borders", border_p, border_g))
    right_p = np.zeros((h, w), bool); right_p[5:30, w - 10:] = True
    right_g = np.zeros((h, w), bool); right_g[8:33, w - 1:] = True
    out.append(("right_column", right_p, right_g))
    line_p = np.zeros((h, w), bool); line_p[20, 3:60] = True; line_p[5:45, 31] = True
    line_g = np.zeros((h, w), bool); line_g[22, 3:60] = True; line_g[5:45, 40] = True
    out.append(("thin_lines", line_p, line_g))
    diag_p = np.eye(h, w, dtype=bool) | np.eye(h, w, k=3, dtype=bool)
    diag_g = np.eye(h, w, k=6, dtype=bool)
    out.append(("diagonals", diag_p, diag_g))
    checker = (np.indices((h, w)).sum(axis=0) % 2).astype(bool)
    out.append(("checkerboard", checker, blobs(rng, h, w, 3)))
    oh, ow = 37, 91
    out.append(("odd_size", blobs(rng, oh, ow, 3), blobs(rng, oh, ow, 3)))
    out.append(("noise", rng.random((h, w)) < 0.3, rng.random((h, w)) < 0.1))
    out.append(("single_row", rng.random((1, 40)) < 0.5, rng.random((1, 40)) < 0.5))
    out.append(("single_column", rng.random((30, 1)) < 0.5, rng.random((30, 1)) < 0.5))
    real = os.path.join(ROOT, "..", "shared", "data", "davis16-dev", "Annotations", "480p", "blackswan", "00000.png")
    if os.path.exists(real):
        gt = np.array(Image.open(real)) > 0
        pred = np.zeros_like(gt)
        pred[:, 5:] = gt[:, :-5]
        out.append(("davis_blackswan_shift5", pred, gt))
        pred2 = np.zeros_like(gt)
        pred2[7:, 12:] = gt[:-7, :-12]
        out.append(("davis_blackswan_shift12x7", pred2, gt))
    else:
        print("warning: ../shared/data absent, skipping the real DAVIS pair", file=sys.stderr)
    return out


def write_fixtures():
    masks = os.path.join(FIXTURES, "masks")
    os.makedirs(masks, exist_ok=True)
    pairs = []
    for name, pred, gt in cases():
        save_mask(os.path.join(masks, f"{name}_pred.png"), pred)
        save_mask(os.path.join(masks, f"{name}_gt.png"), gt)
        p, r, radius = boundary_pr(pred, gt)
        pairs.append({"name": name, "width": int(gt.shape[1]), "height": int(gt.shape[0]),
                      "J": region_j(gt, pred), "F": boundary_f(pred, gt), "precision": p, "recall": r,
                      "radius": radius,
                      "F_th0.05": boundary_f(pred, gt, 0.05), "F_th3": boundary_f(pred, gt, 3),
                      "n_boundary_pred": int(boundary_map(pred).sum()), "n_boundary_gt": int(boundary_map(gt).sum())})
    rng = np.random.default_rng(7)
    sequences = []
    for n in [1, 2, 3, 4, 5, 7, 10, 50, 104, 255, 256, 300]:
        values = rng.random(n)
        values[rng.random(n) < 0.2] = 1.0
        m, rc, d = statistics(values)
        sequences.append({"values": values.tolist(), "mean": m, "recall": rc,
                          "decay": None if math.isnan(d) else d})
    disks = {str(r): disk(r).astype(int).flatten().tolist() for r in [0, 1, 2, 3, 5, 8]}
    with open(os.path.join(FIXTURES, "davis_golden.json"), "w") as f:
        json.dump({"source": "tools/reference/davis_eval_golden.py (official davis2017-evaluation semantics)",
                   "pairs": pairs, "sequences": sequences, "disks": disks}, f, indent=1)
    print(f"wrote {len(pairs)} pairs, {len(sequences)} sequences to {FIXTURES}")


def evaluate(pred_root, gt_root, only, json_path):
    ann = os.path.join(gt_root, "Annotations", "480p")
    if os.path.isdir(ann):
        gt_root = ann
    seqs = sorted(d for d in os.listdir(gt_root) if os.path.isdir(os.path.join(gt_root, d)))
    if only:
        seqs = [s for s in seqs if s in only.split(",")]
    jm, fm, result = [], [], {}
    for seq in seqs:
        js, fs = [], []
        for name in sorted(os.listdir(os.path.join(gt_root, seq))):
            if not name.endswith(".png"):
                continue
            gt = np.array(Image.open(os.path.join(gt_root, seq, name))) > 0
            pp = os.path.join(pred_root, seq, name)
            pred = np.array(Image.open(pp)) > 0 if os.path.exists(pp) else np.zeros_like(gt)
            js.append(region_j(gt, pred))
            fs.append(boundary_f(pred, gt))
        j, f = statistics(js), statistics(fs)
        jm.append(j[0]); fm.append(f[0])
        result[seq] = {"J": j, "F": f, "frames": len(js)}
    J, F = float(np.mean(jm)) * 100, float(np.mean(fm)) * 100
    print(f"J {J:.3f}  F {F:.3f}  J&F {(J + F) / 2:.3f}  ({len(seqs)} sequences)")
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"J": J, "F": F, "JF": (J + F) / 2, "sequences": result}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["fixtures", "eval"])
    ap.add_argument("--pred")
    ap.add_argument("--gt")
    ap.add_argument("--sequences")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.mode == "fixtures":
        write_fixtures()
    else:
        evaluate(a.pred, a.gt, a.sequences, a.json)


if __name__ == "__main__":
    main()
