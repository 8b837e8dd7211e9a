"""PyTorch peer of vidgraph's FrameGraphSegmenter (AGNN-style frame graph), loading our safetensors.

Used by tools/bench-segment: times the same N-frame graph forward and, given the input/output our
binary dumped (io.safetensors), checks that PyTorch computes the same logits (max abs difference). The key stride of the attention
(keys and values average-pooled over s x s cells; `vidgraph segment --key-stride`) is read from the
io file's metadata (`key_stride`, default 1), or given with --key-stride.
Only a reference/benchmark tool; nothing at run time needs Python.
Usage: framegraph_torch.py --weights model.safetensors [--io io.safetensors] [--key-stride S] [--repeats R] [--threads T]
       framegraph_torch.py --weights model.safetensors --golden OUT.safetensors
--golden writes a fixture for the Swift tests: a random input (torch seed 0) of the config's input size
and the logits at key strides 1, 2 and 3 (`logits_ks1`, ...).
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
    def __init__(self, state, iterations, key_stride=1):
        self.s = state
        self.iterations = iterations
        self.key_stride = key_stride

    def pooled(self, h):
        s = self.key_stride
        if s == 1:
            return h
        return F.adaptive_avg_pool2d(h, (-(-h.shape[2] // s), -(-h.shape[3] // s)))

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
        hp = self.pooled(h)
        k = self.conv("intra.key", hp).reshape(n, -1, hp.shape[2] * hp.shape[3])
        v = self.conv("intra.value", hp).reshape(n, c, hp.shape[2] * hp.shape[3])
        a = torch.softmax(q.transpose(1, 2) @ k, dim=-1)            # [N, P, P]
        return (v @ a.transpose(1, 2)).reshape(h.shape) * self.s["intra.scale"] + h

    def inter(self, h):
        n, c, hh, ww = h.shape
        if n == 1:
            return torch.zeros_like(h)
        pairs = [(i, j) for i in range(n) for j in range(n) if j != i]
        ti = torch.tensor([p[0] for p in pairs]); sj = torch.tensor([p[1] for p in pairs])
        flat = h.reshape(n, c, -1)
        hp = self.pooled(h)
        proj = F.conv2d(hp, self.s["inter.bilinear.weight"]).reshape(n, c, -1)
        a = torch.softmax(flat[ti].transpose(1, 2) @ proj[sj], dim=-1)   # [E, P_i, P_j]
        m = (hp.reshape(n, c, -1)[sj] @ a.transpose(1, 2)).reshape(len(pairs), c, hh, ww)
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
    ap.add_argument("--key-stride", type=int)
    ap.add_argument("--golden")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with safe_open(args.weights, "pt") as f:
        meta = f.metadata() or {}
        state = {k: f.get_tensor(k) for k in f.keys()}
    state = {k[6:] if k.startswith("model.") else k: v for k, v in state.items() if not k.startswith("optim.")}
    m = re.search(r"iterations:\s*(\d+)", meta.get("config", "") or meta.get("training", ""))
    iterations = int(m.group(1)) if m else 3
    if args.golden:
        from safetensors.torch import save_file
        cfg = meta.get("config", "")
        w, h = (int(re.search(k + r":\s*(\d+)", cfg).group(1)) for k in ("width", "height"))
        n = int(re.search(r"frames:\s*(\d+)", cfg).group(1))
        torch.manual_seed(0)
        x = torch.rand(n, state["backbone.0.conv.weight"].shape[1], h, w)
        out = {"input": x}
        with torch.no_grad():
            for s in (1, 2, 3):
                out[f"logits_ks{s}"] = FrameGraph(state, iterations, s)(x).contiguous()
        save_file(out, args.golden, metadata={"source": "tools/reference/framegraph_torch.py --golden", "torch": torch.__version__})
        print(f"wrote {args.golden}: input {tuple(x.shape)}")
        return
    key_stride = args.key_stride or 1
    if args.io:
        with safe_open(args.io, "pt") as f:
            x, ours = f.get_tensor("input"), f.get_tensor("output")
            key_stride = args.key_stride or int((f.metadata() or {}).get("key_stride", "1"))
    else:
        x = torch.rand(3, state["backbone.0.conv.weight"].shape[1], 144, 256)
        ours = None
    model = FrameGraph(state, iterations, key_stride)
    with torch.no_grad():
        out = model(x)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter(); model(x); times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    suffix = f"_ks{key_stride}" if key_stride > 1 else ""
    row = {"name": f"framegraph_forward_{x.shape[0]}x{x.shape[3]}x{x.shape[2]}{suffix}", "peer_ms": round(times[len(times) // 2], 2)}
    if ours is not None:
        row["max_abs_diff"] = float((out - ours).abs().max())
    print(json.dumps(row))


if __name__ == "__main__":
    main()
