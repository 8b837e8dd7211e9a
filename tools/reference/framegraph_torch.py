"""PyTorch peer of vidgraph's FrameGraphSegmenter (AGNN-style frame graph), loading our safetensors.

Used by tools/bench-segment: times the same N-frame graph forward and, given the input/output our
binary dumped (io.safetensors), checks that PyTorch computes the same logits (max abs difference).
Only a reference/benchmark tool; nothing at run time needs Python.
Usage: framegraph_torch.py --weights model.safetensors [--io io.safetensors] [--repeats R] [--threads T]
"""
import argparse, json, re, time

import torch
import torch.nn.functional as F
from safetensors import safe_open


def groups_for(c):
    for g in (8, 4, 2, 1):
        if c % g == 0 and c // g >= 2:
            return g
    return 1


class FrameGraph:
    def __init__(self, state, iterations):
        self.s = state
        self.iterations = iterations

    def cnr(self, prefix, x, stride):
        w = self.s[prefix + ".conv.weight"]
        x = F.conv2d(x, w, None, stride=stride, padding=w.shape[-1] // 2)
        x = F.group_norm(x, groups_for(w.shape[0]), self.s[prefix + ".norm.weight"], self.s[prefix + ".norm.bias"], eps=1e-5)
        return F.relu(x)

    def conv(self, prefix, x, padding=0):
        return F.conv2d(x, self.s[prefix + ".weight"], self.s.get(prefix + ".bias"), padding=padding)

    def intra(self, h):
        n, c, hh, ww = h.shape
        q = self.conv("intra.query", h).reshape(n, -1, hh * ww)
        k = self.conv("intra.key", h).reshape(n, -1, hh * ww)
        v = self.conv("intra.value", h).reshape(n, c, hh * ww)
        a = torch.softmax(q.transpose(1, 2) @ k, dim=-1)            # [N, P, P]
        return (v @ a.transpose(1, 2)).reshape(h.shape) * self.s["intra.scale"] + h

    def inter(self, h):
        n, c, hh, ww = h.shape
        if n == 1:
            return torch.zeros_like(h)
        pairs = [(i, j) for i in range(n) for j in range(n) if j != i]
        ti = torch.tensor([p[0] for p in pairs]); sj = torch.tensor([p[1] for p in pairs])
        flat = h.reshape(n, c, -1)
        proj = F.conv2d(h, self.s["inter.bilinear.weight"]).reshape(n, c, -1)
        a = torch.softmax(flat[ti].transpose(1, 2) @ proj[sj], dim=-1)   # [E, P_i, P_j]
        m = (flat[sj] @ a.transpose(1, 2)).reshape(len(pairs), c, hh, ww)
        g = torch.sigmoid(self.conv("inter.gate", m))
        return torch.zeros_like(h).index_add_(0, ti, m * g)

    def gru(self, x, h):
        c = h.shape[1]
        zr = torch.sigmoid(self.conv("update.gates", torch.cat([x, h], 1), padding=1))
        z, r = zr[:, :c], zr[:, c:]
        cand = torch.tanh(self.conv("update.candidate", torch.cat([x, r * h], 1), padding=1))
        return h + z * (cand - h)

    def __call__(self, x):
        h = x
        for i in range(4):
            h = self.cnr(f"backbone.{i}", h, 2 if i < 3 else 1)
            if i == 1:
                stride4 = h
        h0 = h
        for _ in range(self.iterations):
            h = self.gru(self.intra(h) + self.inter(h), h)
        y = self.cnr("readout", torch.cat([h, h0], 1), 1)
        if "decoder.fuse.conv.weight" in self.s:   # stride-4 skip decoder (decoder_channels > 0)
            up = F.interpolate(y, size=stride4.shape[-2:], mode="bilinear", align_corners=False)
            y = self.cnr("decoder.fuse", torch.cat([up, self.cnr("decoder.skip", stride4, 1)], 1), 1)
        y = self.conv("readout.classifier", y)
        return F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--io")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with safe_open(args.weights, "pt") as f:
        meta = f.metadata() or {}
        state = {k: f.get_tensor(k) for k in f.keys()}
    state = {k[6:] if k.startswith("model.") else k: v for k, v in state.items() if not k.startswith("optim.")}
    m = re.search(r"iterations:\s*(\d+)", meta.get("config", "") or meta.get("training", ""))
    model = FrameGraph(state, int(m.group(1)) if m else 3)
    if args.io:
        with safe_open(args.io, "pt") as f:
            x, ours = f.get_tensor("input"), f.get_tensor("output")
    else:
        x = torch.rand(3, state["backbone.0.conv.weight"].shape[1], 144, 256)
        ours = None
    with torch.no_grad():
        out = model(x)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter(); model(x); times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    row = {"name": f"framegraph_forward_{x.shape[0]}x{x.shape[3]}x{x.shape[2]}", "peer_ms": round(times[len(times) // 2], 2)}
    if ours is not None:
        row["max_abs_diff"] = float((out - ours).abs().max())
    print(json.dumps(row))


if __name__ == "__main__":
    main()
