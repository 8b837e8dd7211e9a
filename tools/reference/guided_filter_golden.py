#!/usr/bin/env python3
"""Golden values for vidgraph's colour guided filter (Media/GuidedFilter.swift), from an independent
NumPy implementation of He, Sun & Tang, "Guided Image Filtering" (TPAMI 2013), Algorithm 2 (colour
guide): box means by 2-D cumulative sums over windows truncated at the border (mean of the pixels
inside), the per-window 3x3 system solved with numpy.linalg.solve. The fast variant (He & Sun 2015)
resizes guide and input by 1/s with half-pixel bilinear sampling (coordinates clamped to the image),
computes a and b there with radius max(1, r // s), resizes them back and applies them to the full guide.

Writes Tests/MediaTests/Fixtures/guided_filter.json:
  $(VIDGRAPH_VENV=/work/venv tools/python-env) tools/reference/guided_filter_golden.py
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "MediaTests", "Fixtures", "guided_filter.json")


def box_mean(x, r):
    h, w = x.shape
    c = np.zeros((h + 1, w + 1))
    c[1:, 1:] = np.cumsum(np.cumsum(x.astype(np.float64), 0), 1)
    y0 = np.clip(np.arange(h) - r, 0, h)
    y1 = np.clip(np.arange(h) + r + 1, 0, h)
    x0 = np.clip(np.arange(w) - r, 0, w)
    x1 = np.clip(np.arange(w) + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    return s / ((y1 - y0)[:, None] * (x1 - x0)[None, :])


def coefficients(guide, p, r, eps):
    """guide [H, W, 3] in 0..1, p [H, W] -> mean a [H, W, 3], mean b [H, W]."""
    mu = np.stack([box_mean(guide[..., c], r) for c in range(3)], -1)
    mp = box_mean(p, r)
    cov_ip = np.stack([box_mean(guide[..., c] * p, r) for c in range(3)], -1) - mu * mp[..., None]
    sigma = np.empty(p.shape + (3, 3))
    for i in range(3):
        for j in range(3):
            sigma[..., i, j] = box_mean(guide[..., i] * guide[..., j], r) - mu[..., i] * mu[..., j]
    sigma += eps * np.eye(3)
    a = np.linalg.solve(sigma, cov_ip[..., None])[..., 0]
    b = mp - (a * mu).sum(-1)
    return np.stack([box_mean(a[..., c], r) for c in range(3)], -1), box_mean(b, r)


def guided_filter(guide, p, r, eps):
    a, b = coefficients(guide, p, r, eps)
    return (a * guide).sum(-1) + b


def resize(x, w2, h2):
    """Half-pixel bilinear resize of one plane [H, W] to [h2, w2], coordinates clamped."""
    h, w = x.shape
    xs = np.clip((np.arange(w2) + 0.5) * (w / w2) - 0.5, 0, w - 1)
    ys = np.clip((np.arange(h2) + 0.5) * (h / h2) - 0.5, 0, h - 1)
    x0 = np.floor(xs).astype(int); x1 = np.minimum(x0 + 1, w - 1); fx = xs - x0
    y0 = np.floor(ys).astype(int); y1 = np.minimum(y0 + 1, h - 1); fy = ys - y0
    top = x[y0][:, x0] * (1 - fx) + x[y0][:, x1] * fx
    bottom = x[y1][:, x0] * (1 - fx) + x[y1][:, x1] * fx
    return top * (1 - fy)[:, None] + bottom * fy[:, None]


def fast_guided_filter(guide, p, r, eps, s):
    h, w = p.shape
    w2, h2 = (w + s - 1) // s, (h + s - 1) // s
    small = np.stack([resize(guide[..., c], w2, h2) for c in range(3)], -1)
    a, b = coefficients(small, resize(p, w2, h2), max(1, r // s), eps)
    a_up = np.stack([resize(a[..., c], w, h) for c in range(3)], -1)
    return (a_up * guide).sum(-1) + resize(b, w, h)


def main():
    rng = np.random.default_rng(7)
    w, h = 23, 17
    # A guide with a colour edge (left half reddish, right half bluish) plus noise, and a blurry map
    # that crosses the edge: the filter must pull the map's edge onto the colour edge.
    pixels = rng.integers(0, 40, size=(h, w, 3))
    pixels[:, : w // 2, 0] += 200
    pixels[:, w // 2 :, 2] += 200
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    guide = pixels.astype(np.float64) / 255
    xs = np.arange(w)[None, :].repeat(h, 0)
    p = 1 / (1 + np.exp((xs - (w // 2 - 2)) / 3.0)) + rng.normal(0, 0.05, size=(h, w))
    cases = []
    for r, eps, s in [(2, 0.01, 1), (4, 1e-3, 1), (3, 0.02, 2)]:
        q = guided_filter(guide, p, r, eps) if s == 1 else fast_guided_filter(guide, p, r, eps, s)
        cases.append({"radius": r, "epsilon": eps, "subsample": s, "output": [round(float(v), 7) for v in q.ravel()]})
    box = box_mean(p, 3)
    fixture = {
        "width": w, "height": h,
        "pixels": [int(v) for v in pixels.ravel()],
        "input": [round(float(v), 7) for v in p.ravel()],
        "box_radius": 3,
        "box_mean": [round(float(v), 7) for v in box.ravel()],
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
