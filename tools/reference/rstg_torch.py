#!/usr/bin/env python3
"""PyTorch peer of vidgraph's clip classifiers (Sources/Models): loads a vidgraph model file
(safetensors with the YAML config in its metadata), rebuilds the same network with torch ops and
computes logits. Used for

  golden    write a fixture: random clips -> logits of a given model file (Tests/ModelsTests/Fixtures)
  logits    print logits / probabilities for clips stored in a safetensors file (key "clips")
  bench     time inference at N threads on pre-decoded clips (mp4 files decoded once with OpenCV;
            for flow models the Lucas-Kanade channels are computed beforehand too, untimed)

Only for fixtures and benchmarks; nothing at run time needs Python.
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

SYNC_CLASSES = [f"{a}-{b}" for a in range(10) for b in range(a + 1, 10)] + ["none"]


def load_model(path):
    with safe_open(path, "pt") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    # The JSON architecture wins; keys it lacks (files written before they existed) come from the YAML config.
    arch = yaml_keys(meta["config"]) if "config" in meta else {}
    arch.update(json.loads(meta["architecture"]) if "architecture" in meta else {})
    config = {"kind": arch["kind"], "architecture": arch, "input": {"frames": arch["frames"], "size": arch["size"]},
              "labels": json.loads(meta["labels"]) if "labels" in meta else None}
    if meta.get("format") == "vidgraph.checkpoint.v1":
        tensors = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    return config, tensors, meta


def yaml_keys(text):
    """The architecture keys of a vidgraph config (no YAML library needed: scalar / [list] values only)."""
    import re
    defaults = {"kind": "rstg", "frames": 10, "size": 64, "backbone_widths": [16, 32, 64], "hidden": 64, "rounds": 3,
                "space": True, "time": True, "positional": False, "grids": [3, 2, 1], "conv_pool": 4,
                "residual": False, "backbone_norm": "none", "coordinates": False, "previous_frame": False,
                "flow": False, "flow_warp": "pixelwise"}
    out = dict(defaults)
    for key in defaults:
        m = re.search(r"(?:^|[\s{,])" + key + r":\s*(\[[^\]]*\]|[^,}\n#]+)", text, re.M)
        if not m:
            continue
        v = m.group(1).strip()
        if v.startswith("["):
            out[key] = [int(x) for x in v[1:-1].split(",") if x.strip()]
        elif v in ("true", "false"):
            out[key] = v == "true"
        else:
            try:
                out[key] = int(v)
            except ValueError:
                out[key] = v
    return out


def neighbours(grids):
    """Adjacency [K, K] of the RSTG patch cells (overlap or shared border, not corner-only, no self)."""
    cells = [(s, r, c, n) for s, n in enumerate(grids) for r in range(n) for c in range(n)]
    k = len(cells)
    adj = torch.zeros(k, k)

    def overlap(p, n, q, m):
        return min((p + 1) * m, (q + 1) * n) - max(p * m, q * n)

    for i, a in enumerate(cells):
        for j, b in enumerate(cells):
            if i == j:
                continue
            ox = overlap(a[2], a[3], b[2], b[3])
            oy = overlap(a[1], a[3], b[1], b[3])
            if ox >= 0 and oy >= 0 and (ox > 0 or oy > 0):
                adj[i, j] = 1
    return adj


class Peer:
    def __init__(self, config, w):
        self.c = config
        self.w = w
        a = config.get("architecture", {})
        self.kind = config["kind"]
        self.widths = a.get("backbone_widths", [16, 32, 64])
        self.hidden = a.get("hidden", 64)
        self.rounds = a.get("rounds", 3)
        self.space = a.get("space", True)
        self.time = a.get("time", True)
        self.grids = a.get("grids", [3, 2, 1])
        self.conv_pool = a.get("conv_pool", 4)
        self.residual = a.get("residual", False)
        self.coordinates = a.get("coordinates", False)
        self.previous_frame = a.get("previous_frame", False)
        self.flow = a.get("flow", False)   # two Lucas-Kanade flow channels (lucas_kanade below)
        self.flow_warp = a.get("flow_warp", "pixelwise")
        self.motion_affinity = a.get("motion_affinity", False)   # MotionAffinity.swift
        self.readout = a.get("readout", "sum")   # sum | synchrony (SynchronyPairReadout.swift)
        self.track_readout = a.get("track_readout", False)   # DigitTrackReadout.swift
        self.cell_motion = a.get("cell_motion", "flow")   # flow | matching (MotionAffinity.matchFineCells)
        self.classes = config.get("labels") or SYNC_CLASSES   # label order of the pair readout
        self.adj = neighbours(self.grids)

    def linear(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def backbone(self, frames):
        x = frames
        if self.coordinates:   # CoordConv: x and y channels in [-1, 1] appended to every frame
            f, _, h, w = frames.shape
            ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
            x = torch.cat([frames, torch.stack([xs, ys]).expand(f, 2, h, w)], dim=1)
        for i in range(len(self.widths)):
            x = F.conv2d(x, self.w[f"backbone.conv{i+1}.weight"], self.w[f"backbone.conv{i+1}.bias"], padding=1)
            bn = f"backbone.bn{i+1}"
            if bn + ".running_mean" in self.w:   # backbone_norm: batch (evaluation mode: running statistics)
                x = F.batch_norm(x, self.w[bn + ".running_mean"], self.w[bn + ".running_var"], self.w[bn + ".weight"],
                                 self.w[bn + ".bias"], training=False, eps=1e-5)
            x = F.max_pool2d(F.relu(x), 2)
        return x

    def lstm_seq(self, x, prefix, steps):
        """x [T, R, I] -> h [T, R, H] with zero initial state (PyTorch LSTMCell semantics)."""
        h = torch.zeros(x.shape[1], self.w[prefix + ".weight_hh"].shape[1])
        c = torch.zeros_like(h)
        out = []
        for t in range(steps):
            h, c = torch._VF.lstm_cell(x[t], (h, c), self.w[prefix + ".weight_ih"], self.w[prefix + ".weight_hh"],
                                       self.w[prefix + ".bias_ih"], self.w[prefix + ".bias_hh"])
            out.append(h)
        return torch.stack(out)

    def mlp(self, x, name):
        return self.linear(F.relu(self.linear(x, name + ".0")), name + ".2")

    def node_motion(self, frames, b):
        """Backbone input frames [F, C_in, S, S] (gray first, flow dx, dy last; F = T * b, time-major) -> the
        cells' intensity-weighted mean flow u [F, K, 2] and digit fraction c [F, K] (MotionAffinity.nodeMotion);
        with cell_motion: matching the finest cells' u is their block-matched displacement / 8 instead."""
        _, _, hh, ww = frames.shape
        gray, dx, dy = frames[:, 0], frames[:, -2], frames[:, -1]
        us, cs = [], []
        for n in self.grids:
            for r in range(n):
                for c in range(n):
                    y0, y1 = (r * hh) // n, -(-((r + 1) * hh) // n)
                    x0, x1 = (c * ww) // n, -(-((c + 1) * ww) // n)
                    g = gray[:, y0:y1, x0:x1]
                    mass = g.sum((1, 2))
                    mx, my = (g * dx[:, y0:y1, x0:x1]).sum((1, 2)), (g * dy[:, y0:y1, x0:x1]).sum((1, 2))
                    us.append(torch.stack([mx, my], -1) / (mass[:, None] + 1e-6))
                    cs.append(mass / (mass + 5))
        u, c = torch.stack(us, 1), torch.stack(cs, 1)                      # [F, K, 2], [F, K]
        if self.cell_motion == "matching":
            n = self.grids[0]
            planes = gray.numpy()
            for f in range(frames.shape[0]):
                for r in range(n):
                    for cc in range(n):
                        y0, y1 = (r * hh) // n, -(-((r + 1) * hh) // n)
                        x0, x1 = (cc * ww) // n, -(-((cc + 1) * ww) // n)
                        shift = block_match(planes[f - b], planes[f], y0, y1, x0, x1) if f >= b else (0.0, 0.0)
                        u[f, r * n + cc] = torch.tensor(shift, dtype=torch.float32) / 8
        return u, c

    def motion_affinities(self, u, c):
        """The cells' motion u [F, K, 2], c [F, K] -> phi [F, K(i), K(j), 3]."""
        d2 = ((u[:, :, None, :] - u[:, None, :, :]) ** 2).sum(-1)          # [F, K(i), K(j)]
        weight = 10 * (c[:, :, None] * c[:, None, :]).sqrt()   # gain 10
        return torch.stack([torch.exp(-d2 / s ** 2) * weight for s in (0.04, 0.1, 0.25)], -1)

    def space_step(self, x, r, phi=None):
        """x [F, K, D] per frame -> [F, K, D]; phi [F, K, K, M] motion affinities (motion_affinity models)."""
        p = f"space.{r}"
        d = x.shape[-1]
        h = x + self.w[p + ".position"] if (p + ".position") in self.w else x
        k = x.shape[1]
        hi = h.unsqueeze(2).expand(-1, k, k, d)   # target i
        hj = h.unsqueeze(1).expand(-1, k, k, d)   # source j
        first = self.linear(torch.cat([hi, hj], -1), p + ".send.0")         # [F, K, K, H]
        if phi is not None:
            first = first + phi @ self.w[p + ".motion_message"].t()
        m = self.linear(F.relu(first), p + ".send.2")                       # [F, K, K, D]
        q, kk = self.linear(h, p + ".query"), self.linear(h, p + ".key")
        scores = torch.einsum("fid,fjd->fij", q, kk) / math.sqrt(d) + self.w[p + ".adjacency_bias"] * self.adj.t()
        if phi is not None:
            scores = scores + phi @ self.w[p + ".motion_attention"]
        alpha = scores.softmax(-1)
        g = torch.einsum("fij,fijd->fid", alpha, m)
        y = self.mlp(torch.cat([x, g], -1), p + ".update")
        return F.layer_norm(y, (d,), self.w[p + ".norm.weight"], self.w[p + ".norm.bias"], 1e-5)

    def frames(self, clips, flow=None):
        """clips [B, T, 1, S, S] -> the backbone's input frames [T*B, C_in, S, S], time-major."""
        b, t = clips.shape[:2]
        frames = clips.transpose(0, 1).reshape(t * b, 1, clips.shape[3], clips.shape[4])
        if self.previous_frame:   # channel 1 = the previous frame (frame 0 repeats itself)
            frames = torch.cat([frames, torch.cat([frames[:b], frames[:(t - 1) * b]])], dim=1)
        if self.flow:   # forward flow into frame t from t-1, / 8; zero at frame 0 (precomputed: flow_channels)
            frames = torch.cat([frames, flow if flow is not None else flow_channels(frames[:, :1], b, self.flow_warp)], dim=1)
        return frames

    def logits(self, clips, flow=None, motion=None):
        """clips [B, T, 1, S, S] -> [B, classes]; `flow` = precomputed flow_channels (flow models), `motion` =
        precomputed node_motion (motion_affinity / track_readout models)."""
        b, t = clips.shape[:2]
        frames = self.frames(clips, flow)
        maps = self.backbone(frames)                                         # [T*B, C, s, s]
        if self.kind == "mean-lstm":
            x = self.linear(maps.mean((2, 3)), "embed").reshape(t, b, -1)
            return self.linear(self.lstm_seq(x, "lstm", t)[-1], "classifier")
        if self.kind == "conv-lstm":
            pp = min(self.conv_pool, maps.shape[-1])
            x = F.relu(self.linear(F.adaptive_avg_pool2d(maps, pp).reshape(t * b, -1), "embed")).reshape(t, b, -1)
            return self.linear(self.lstm_seq(x, "lstm", t)[-1], "classifier")
        nodes = torch.cat([F.adaptive_avg_pool2d(maps, n).flatten(2).transpose(1, 2) for n in self.grids], 1)  # [T*B, K, C]
        u, c = motion if motion is not None else (
            self.node_motion(frames, b) if (self.motion_affinity or self.track_readout) else (None, None))
        phi = self.motion_affinities(u, c) if self.motion_affinity else None
        k = nodes.shape[1]
        x = self.linear(nodes, "embed")                                       # [T*B, K, D]
        d = x.shape[-1]
        res = (lambda x, y: x + y) if self.residual else (lambda x, y: y)   # residual: x <- x + step(x)
        for r in range(self.rounds):
            if self.time:
                x = res(x, self.lstm_seq(x.reshape(t, b * k, d), f"time.{r}.cell", t).reshape(t * b, k, d))
            if self.space:
                x = res(x, self.space_step(x, r, phi))
        if self.time:
            x = res(x, self.lstm_seq(x.reshape(t, b * k, d), "final.cell", t).reshape(t * b, k, d))
        pooled = x.reshape(t, b, k, d).mean(0).sum(1)
        logits = self.linear(pooled, "classifier")
        if self.readout == "synchrony":
            motion = None
            if self.track_readout:
                motion = (u.reshape(t, b, k, 2), c.reshape(t, b, k))
            logits = logits + self.pair_votes(x.reshape(t, b, k, d), motion)
        return logits

    def pair_votes(self, states, motion=None):
        """Pairwise synchrony readout: states [T, B, K, D] -> pair logits [B, classes]; `motion` = the cells'
        (u [T, B, K, 2], c [T, B, K]) for the digit-track term (track_readout models)."""
        f = self.grids[0] ** 2
        fine = states[1:, :, :f]                                                # [T-1, B, F, D], frames 1...
        s = torch.sigmoid(self.linear(fine, "pair_readout.sync"))               # [T-1, B, F, 1]
        q = torch.sigmoid(self.linear(fine, "pair_readout.identity"))           # [T-1, B, F, 10]
        votes = (s * q).sum((0, 2)) / (1 + q.sum((0, 2)))                      # [B, 10]
        pairs = torch.zeros(10, len(self.classes))
        offset = torch.zeros(len(self.classes))
        for j, name in enumerate(self.classes):
            if name != "none":
                a, b = (int(v) for v in name.split("-"))
                pairs[a, j] = pairs[b, j] = 1
                offset[j] = -1
        logits = (votes @ pairs + offset) * (10 * self.w["pair_readout.gamma"])
        if motion is not None:
            logits = logits + self.track_votes(q, motion[0][1:, :, :f], motion[1][1:, :, :f])
        return logits

    def track_votes(self, q, u, c):
        """Digit-track term (DigitTrackReadout.swift): identity probabilities q [T-1, B, F, 10], the cells' mean
        flow u [T-1, B, F, 2] and digit fraction c [T-1, B, F] -> [B, classes]."""
        eps = 1e-3
        w = q * c[..., None]                                                    # [T-1, B, F, 10]
        mass = w.sum(2)                                                         # [T-1, B, 10]
        track = torch.einsum("tbfc,tbfx->tbcx", w, u) / (mass[..., None] + eps)  # m [T-1, B, 10, 2]
        seen = 1 - torch.exp(-2 * mass)                                         # p [T-1, B, 10]
        n = len(self.classes)
        first, second, mask = torch.zeros(10, n), torch.zeros(10, n), torch.zeros(n)
        for j, name in enumerate(self.classes):
            if name != "none":
                a, b = (int(v) for v in name.split("-"))
                first[a, j], second[b, j], mask[j] = 1, 1, 1
        v = (seen @ first) * (seen @ second)                                    # [T-1, B, classes]
        diff = torch.einsum("tbcx,cn->tbnx", track, first - second)            # m_a - m_b
        d2 = (diff ** 2).sum(-1)                                                # |m_a - m_b|^2 [T-1, B, classes]
        h = self.w["pair_readout.track.gain"]
        kernel = sum(h[m] * torch.exp(-d2 / s ** 2) for m, s in enumerate((0.1, 0.25, 0.5)))
        return ((v * kernel).mean(0) + self.w["pair_readout.track.offset"]) * mask * 10


def block_match(prev, cur, y0, y1, x0, x1, radius=7):
    """Displacement (x, y) in px of the patch [y0:y1, x0:x1] of `cur` from `prev` (Sources/Media/BlockMatching.swift):
    the shift s minimising sum (cur(p) - prev(p - s))^2 (prev zero outside), s = 0 unless strictly beaten, then the
    first minimum in (sy, sx) scan order; each axis refined by the parabola through s - 1, s, s + 1 (clamped +-0.5)."""
    h, w = prev.shape
    pad = np.zeros((h + 2 * radius, w + 2 * radius), np.float32)
    pad[radius:radius + h, radius:radius + w] = prev
    patch = cur[y0:y1, x0:x1]
    side = 2 * radius + 1
    # windows[i, j] = pad[y0 + i : y1 + i, x0 + j : x1 + j] = prev shifted by s = (R - j, R - i)
    windows = np.lib.stride_tricks.sliding_window_view(pad[y0:y1 + 2 * radius, x0:x1 + 2 * radius], patch.shape)
    ssd = ((patch - windows).astype(np.float64) ** 2).sum((2, 3))[::-1, ::-1]   # [sy + R, sx + R]
    by, bx = radius, radius
    if ssd.min() < ssd[radius, radius]:
        by, bx = divmod(int(ssd.argmin()), side)

    def vertex(minus, centre, plus):
        curvature = minus - 2 * centre + plus
        return 0.0 if curvature <= 0 else float(np.clip((minus - plus) / (2 * curvature), -0.5, 0.5))
    x, y = float(bx - radius), float(by - radius)
    if 0 < bx < side - 1:
        x += vertex(ssd[by, bx - 1], ssd[by, bx], ssd[by, bx + 1])
    if 0 < by < side - 1:
        y += vertex(ssd[by - 1, bx], ssd[by, bx], ssd[by + 1, bx])
    return x, y


# --- Pyramidal Lucas-Kanade, the NumPy twin of Sources/Media/OpticalFlow.swift (float32 throughout) ---

def _bilinear(p, x, y):
    """Sample plane p [h, w] at float coordinates (x, y) with border clamping."""
    h, w = p.shape
    xc = np.clip(x, 0, w - 1).astype(np.float32)
    yc = np.clip(y, 0, h - 1).astype(np.float32)
    x0 = xc.astype(np.int64); y0 = yc.astype(np.int64)
    x1 = np.minimum(x0 + 1, w - 1); y1 = np.minimum(y0 + 1, h - 1)
    fx = xc - x0.astype(np.float32); fy = yc - y0.astype(np.float32)
    top = p[y0, x0] * (1 - fx) + p[y0, x1] * fx
    bottom = p[y1, x0] * (1 - fx) + p[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def _resize(p, w2, h2):
    """Bilinear resize with half-pixel centres (OpticalFlow.resizePlane)."""
    h, w = p.shape
    if (w, h) == (w2, h2):
        return p
    xs = (np.arange(w2, dtype=np.float32) + 0.5) * np.float32(w / w2) - 0.5
    ys = (np.arange(h2, dtype=np.float32) + 0.5) * np.float32(h / h2) - 0.5
    return _bilinear(p, xs[None, :].repeat(h2, 0), ys[:, None].repeat(w2, 1))


def _box(p, r):
    """Sum over the (2r+1)^2 window clipped to the image."""
    h, w = p.shape
    c = np.zeros((h + 1, w + 1), np.float64)
    c[1:, 1:] = p.astype(np.float64).cumsum(0).cumsum(1)
    y0 = np.clip(np.arange(h) - r, 0, h); y1 = np.clip(np.arange(h) + r + 1, 0, h)
    x0 = np.clip(np.arange(w) - r, 0, w); x1 = np.clip(np.arange(w) + r + 1, 0, w)
    out = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    return out.astype(np.float32)


def lucas_kanade(a, b, levels=3, iterations=3, radius=2, reg=1e-3, warp="pixelwise"):
    """Flow (dx, dy) at each pixel of plane a [h, w] to plane b (OpticalFlow defaults).
    warp "pixelwise": each pixel's temporal difference at its own flow, then window-summed;
    "windowed" (Lucas-Kanade proper): pixel i's whole window compared at i's flow,
    It_j = b(x_j + d_i) - a(x_j), over the window clipped to the image."""
    pa, pb = [a.astype(np.float32)], [b.astype(np.float32)]
    while len(pa) < levels and pa[-1].shape[0] >= 16 and pa[-1].shape[1] >= 16:
        for pyr in (pa, pb):
            q = pyr[-1]; h2, w2 = q.shape[0] // 2, q.shape[1] // 2
            q = q[:2 * h2, :2 * w2]
            pyr.append((0.25 * (q[0::2, 0::2] + q[0::2, 1::2] + q[1::2, 0::2] + q[1::2, 1::2])).astype(np.float32))
    dx = dy = None
    for level in range(len(pa) - 1, -1, -1):
        a_, b_ = pa[level], pb[level]
        h, w = a_.shape
        if dx is None:
            dx = np.zeros((h, w), np.float32); dy = np.zeros((h, w), np.float32)
        else:
            ph, pw = dx.shape
            dx = _resize(dx, w, h) * np.float32(w / pw); dy = _resize(dy, w, h) * np.float32(h / ph)
        xr = np.minimum(np.arange(w) + 1, w - 1); xl = np.maximum(np.arange(w) - 1, 0)
        yd = np.minimum(np.arange(h) + 1, h - 1); yu = np.maximum(np.arange(h) - 1, 0)
        ix = (a_[:, xr] - a_[:, xl]) / np.maximum(xr - xl, 1).astype(np.float32)[None, :]
        iy = (a_[yd, :] - a_[yu, :]) / np.maximum(yd - yu, 1).astype(np.float32)[:, None]
        sxx, sxy, syy = _box(ix * ix, radius), _box(ix * iy, radius), _box(iy * iy, radius)
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        for _ in range(iterations):
            if warp == "windowed":
                sxt, syt = _windowed_sums(a_, b_, ix, iy, dx, dy, radius)
            else:
                it = _bilinear(b_, gx + dx, gy + dy) - a_
                sxt, syt = _box(ix * it, radius), _box(iy * it, radius)
            a11, a12, a22 = sxx + np.float32(reg), sxy, syy + np.float32(reg)
            det = a11 * a22 - a12 * a12
            ok = det > 1e-12
            safe = np.where(ok, det, 1).astype(np.float32)
            ux = -(a22 * sxt - a12 * syt) / safe
            uy = -(a11 * syt - a12 * sxt) / safe
            dx = (dx + np.where(ok, np.clip(ux, -4, 4), 0)).astype(np.float32)
            dy = (dy + np.where(ok, np.clip(uy, -4, 4), 0)).astype(np.float32)
    return dx, dy


def _windowed_sums(a, b, ix, iy, dx, dy, r):
    """(sum_j Ix_j It_j, sum_j Iy_j It_j) over each pixel's window (clipped to the image), with
    It_j = b(x_j + d_i) - a(x_j): one pass per window offset, all pixels at once."""
    h, w = a.shape
    gx, gy = np.meshgrid(np.arange(w), np.arange(h))
    sxt = np.zeros((h, w), np.float64); syt = np.zeros((h, w), np.float64)
    for dv in range(-r, r + 1):
        for du in range(-r, r + 1):
            u, v = gx + du, gy + dv
            inside = (u >= 0) & (u < w) & (v >= 0) & (v < h)
            uc, vc = np.clip(u, 0, w - 1), np.clip(v, 0, h - 1)
            t = _bilinear(b, uc.astype(np.float32) + dx, vc.astype(np.float32) + dy) - a[vc, uc]
            sxt += np.where(inside, ix[vc, uc] * t, 0)
            syt += np.where(inside, iy[vc, uc] * t, 0)
    return sxt.astype(np.float32), syt.astype(np.float32)


def flow_channels(frames, b, warp="pixelwise"):
    """frames [T * B, 1, S, S] (time-major) -> [T * B, 2, S, S]: at frame t the forward flow since t-1
    (Lucas-Kanade from frame t to t-1, negated) / 8; zero for t = 0 (ClipClassifier.motionChannels)."""
    x = frames[:, 0].numpy()
    out = np.zeros((x.shape[0], 2) + x.shape[1:], np.float32)
    for row in range(b, x.shape[0]):
        dx, dy = lucas_kanade(x[row], x[row - b], warp=warp)
        out[row, 0] = -dx / 8; out[row, 1] = -dy / 8
    return torch.from_numpy(out)


def decode_gray(path, size, frames):
    import cv2
    cap = cv2.VideoCapture(path)
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        rgb = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
        out.append(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])
    if not out:
        raise RuntimeError(f"{path}: no frames")
    f = len(out)
    start = max(0, (f - frames) // 2)
    clip = [out[min(start + i, f - 1)] for i in range(frames)]
    return np.stack(clip)[:, None]  # [T, 1, S, S]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("golden")
    g.add_argument("--model", required=True)
    g.add_argument("--clips", type=int, default=2)
    g.add_argument("--out", required=True)
    lg = sub.add_parser("logits")
    lg.add_argument("--model", required=True)
    lg.add_argument("--input", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--list", required=True, help="CSV path,label of mp4 clips")
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    torch.manual_seed(0)
    config, weights, meta = load_model(args.model)
    peer = Peer(config, weights)
    t = config.get("input", {}).get("frames", 10)
    s = config.get("input", {}).get("size", 64)
    if args.cmd == "golden":
        rng = np.random.default_rng(7)
        # Sparse bright strokes on black, like SyncMNIST frames.
        clips = (rng.random((args.clips, t, 1, s, s)) > 0.85).astype(np.float32) * rng.random((args.clips, t, 1, s, s)).astype(np.float32)
        x = torch.from_numpy(clips)
        with torch.no_grad():
            logits = peer.logits(x)
        save_file({"clips": x.contiguous(), "logits": logits.contiguous()}, args.out,
                  metadata={"source": "tools/reference/rstg_torch.py golden", "torch": torch.__version__})
        print(f"wrote {args.out}: clips {tuple(x.shape)}, logits {tuple(logits.shape)}")
    elif args.cmd == "logits":
        with safe_open(args.input, "pt") as f:
            x = f.get_tensor("clips")
        with torch.no_grad():
            print(json.dumps(peer.logits(x).tolist()))
    else:
        torch.set_num_threads(args.threads)
        rows = [l.strip().split(",") for l in open(args.list) if l.strip() and not l.startswith("path,")]
        import os
        base = os.path.dirname(os.path.abspath(args.list))
        paths = [r[0] if os.path.isabs(r[0]) else os.path.join(base, r[0]) for r in rows]
        labels = [r[1] if len(r) > 1 else None for r in rows]
        clips = torch.from_numpy(np.stack([decode_gray(p, s, t) for p in paths]))
        classes = json.loads(meta.get("labels", "null")) or SYNC_CLASSES
        batches = [clips[i:i + args.batch] for i in range(0, len(paths), args.batch)]
        # Flow models: the Lucas-Kanade channels are input preparation here, computed before the timing
        # (vidgraph computes them inside its timed end-to-end run).
        flows = [None] * len(batches)
        if peer.flow:
            flows = [flow_channels(c.transpose(0, 1).reshape(-1, 1, s, s), c.shape[0], peer.flow_warp) for c in batches]
        # Block-matched cell motion (cell_motion: matching) likewise: NumPy loops here, prepared before the timing.
        motions = [None] * len(batches)
        if peer.cell_motion == "matching":
            motions = [peer.node_motion(peer.frames(c, f), c.shape[0]) for c, f in zip(batches, flows)]
        with torch.no_grad():
            peer.logits(batches[0], flows[0], motions[0])  # warm-up
            start = time.perf_counter()
            outs = [peer.logits(c, f, m) for c, f, m in zip(batches, flows, motions)]
            seconds = time.perf_counter() - start
        probs = torch.cat(outs).softmax(-1)
        top = probs.argmax(-1).tolist()
        correct = sum(1 for i, l in enumerate(labels) if l is not None and classes[top[i]] == l)
        known = sum(1 for l in labels if l is not None)
        print(json.dumps({"clips": len(paths), "seconds": seconds, "clips_per_second": len(paths) / seconds,
                          "threads": args.threads, "accuracy": correct / known if known else None,
                          "predictions": [{"path": p, "label": classes[top[i]], "probabilities": probs[i].tolist()}
                                          for i, p in enumerate(paths)]}))


if __name__ == "__main__":
    main()
