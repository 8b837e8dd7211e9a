#!/usr/bin/env python3
"""Golden forward values and gradients for the Graphs module's layers, from PyTorch Geometric
(GCNConv, GATConv) and plain PyTorch (the others). Writes small JSON fixtures to
Tests/GraphsTests/Fixtures/. Run: $(VIDGRAPH_VENV=/work/venv tools/python-env) tools/reference/graph_goldens.py

Each fixture holds: inputs (flattened, with shapes), the state dict (PyTorch names), the output,
a fixed upstream gradient `seed` and the gradients of sum(output * seed) w.r.t. inputs and weights.
"""
import json
import os
import sys

import torch
from torch_geometric.nn import GATConv, GCNConv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "GraphsTests", "Fixtures")


def flat(t):
    return {"shape": list(t.shape), "data": [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]}


def graph(n_nodes, n_edges, gen):
    src = torch.randint(0, n_nodes, (n_edges,), generator=gen)
    dst = torch.randint(0, n_nodes, (n_edges,), generator=gen)
    src[0], dst[0] = 2, 2  # one existing self-loop
    return torch.stack([src, dst])


def run(name, module, x, call, extra):
    x = x.clone().requires_grad_(True)
    out = call(module, x)
    gen = torch.Generator().manual_seed(99)
    seed = torch.rand(out.shape, generator=gen) * 2 - 1
    (out * seed).sum().backward()
    doc = {
        "x": flat(x),
        "state": {k: flat(v) for k, v in module.state_dict().items()},
        "output": flat(out),
        "seed": flat(seed),
        "grad_x": flat(x.grad),
        "grads": {k: flat(p.grad) for k, p in module.named_parameters()},
    }
    doc.update(extra)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print("wrote", name, tuple(out.shape))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    n, e = 7, 16
    ei = graph(n, e, gen)
    x = torch.randn(n, 5, generator=gen)
    ew = torch.rand(e, generator=gen) + 0.5
    edges = {"edge_index": ei.reshape(-1).tolist(), "edge_count": e}

    gcn = GCNConv(5, 3)
    with torch.no_grad():
        gcn.bias.copy_(torch.randn(3, generator=gen))
    run("gcn", gcn, x, lambda m, x: m(x, ei, ew), dict(edges, edge_weight=[float(v) for v in ew.tolist()]))

    for concat in (True, False):
        gat = GATConv(5, 3, heads=2, concat=concat)
        with torch.no_grad():
            gat.bias.copy_(torch.randn(gat.bias.shape, generator=gen))
        attn = {}

        def call(m, x):
            out, (aei, alpha) = m(x, ei, return_attention_weights=True)
            attn["attention_edge_index"] = aei.reshape(-1).tolist()
            attn["attention"] = flat(alpha)
            return out
        run("gat_concat" if concat else "gat_mean", gat, x, call, dict(edges, **attn))
        # attn filled during call; rewrite with it
        name = "gat_concat" if concat else "gat_mean"
        path = os.path.join(OUT, name + ".json")
        with open(path) as f:
            doc = json.load(f)
        doc.update(attn)
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))


def mlp(i, h, o):
    return torch.nn.Sequential(torch.nn.Linear(i, h), torch.nn.ReLU(), torch.nn.Linear(h, o))


def grid_neighbours(sizes):
    """Cells of n x n grids (row-major, scales in order); neighbours overlap or share an edge."""
    cells = [(s, n, r, c) for s, n in enumerate(sizes) for r in range(n) for c in range(n)]
    k = len(cells)
    a = torch.zeros(k, k)
    for i, (_, n, r, c) in enumerate(cells):
        for j, (_, m, q, d) in enumerate(cells):
            if i == j:
                continue
            ox = min((c + 1) * m, (d + 1) * n) - max(c * m, d * n)
            oy = min((r + 1) * m, (q + 1) * n) - max(r * m, q * n)
            a[i, j] = float(ox >= 0 and oy >= 0 and (ox > 0 or oy > 0))
    return a


class RSTGSpace(torch.nn.Module):
    def __init__(self, c, h, k):
        super().__init__()
        self.send = mlp(2 * c, h, c)
        self.query = torch.nn.Linear(c, c)
        self.key = torch.nn.Linear(c, c)
        self.update = mlp(2 * c, h, c)
        self.norm = torch.nn.LayerNorm(c)
        self.adjacency_bias = torch.nn.Parameter(torch.tensor([0.7]))
        self.position = torch.nn.Parameter(torch.randn(k, c) * 0.1)

    def forward(self, x, adj, t):
        k, c = adj.shape[0], x.shape[1]
        x3 = x.view(t, k, c)
        h = x3 + self.position
        hi = h.unsqueeze(2).expand(t, k, k, c)   # [T, i, j, C]
        hj = h.unsqueeze(1).expand(t, k, k, c)
        m = self.send(torch.cat([hi, hj], -1))   # [T, i, j, C]
        scores = self.query(h) @ self.key(h).transpose(1, 2) / c ** 0.5 + self.adjacency_bias * adj
        alpha = scores.softmax(-1)               # over j
        a = (alpha.unsqueeze(-1) * m).sum(2)     # [T, K, C]
        return self.norm(self.update(torch.cat([x3, a], -1))).reshape(t * k, c)


class EdgeNode(torch.nn.Module):
    def __init__(self, c, d, h, o):
        super().__init__()
        self.edge = torch.nn.Module()
        self.edge.mlp = mlp(2 * c + d, h, d)
        self.nodeupd = torch.nn.Module()
        self.nodeupd.past = mlp(c + d, h, h)
        self.nodeupd.future = mlp(c + d, h, h)
        self.nodeupd.node = mlp(2 * h, h, o)

    def forward(self, x, ef, src, dst, times):
        h = self.edge.mlp(torch.cat([x[src], ef, x[dst]], 1))
        out = []
        for keep, net in ((times[src] < times[dst], self.nodeupd.past), (times[src] > times[dst], self.nodeupd.future)):
            s, d, he = src[keep], dst[keep], h[keep]
            m = net(torch.cat([x[d], he], 1))
            out.append(torch.zeros(x.shape[0], m.shape[1]).index_add_(0, d, m))
        return self.nodeupd.node(torch.cat(out, 1))


def generic(name, module, inputs, call, extra):
    """Like run() for several inputs: inputs is a dict name -> tensor; grads of all are stored."""
    for v in inputs.values():
        v.requires_grad_(True)
    out = call(module, **inputs)
    gen = torch.Generator().manual_seed(98)
    seed = torch.rand(out.shape, generator=gen) * 2 - 1
    (out * seed).sum().backward()
    first = next(iter(inputs))
    doc = {
        "x": flat(inputs[first]), "grad_x": flat(inputs[first].grad),
        "state": {k: flat(v) for k, v in module.state_dict().items()},
        "output": flat(out), "seed": flat(seed),
        "grads": {k: flat(p.grad) for k, p in module.named_parameters()},
        "extra": {**{k: flat(v) for k, v in inputs.items() if k != first},
                  **{"grad_" + k: flat(v.grad) for k, v in inputs.items() if k != first},
                  **{k: flat(v) for k, v in extra.items()}},
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print("wrote", name, tuple(out.shape))


def more():
    gen = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    # RSTG space step: grids 2x2 + 1x1 (K = 5), T = 2, C = 4.
    t, c = 2, 4
    adj = grid_neighbours([2, 1])
    space = RSTGSpace(c, 6, adj.shape[0])
    with torch.no_grad():
        space.norm.weight.copy_(torch.rand(c, generator=gen) + 0.5)
        space.norm.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    generic("rstg_space", space, {"x": torch.randn(t * 5, c, generator=gen)},
            lambda m, x: m(x, adj, t), {})
    # RSTG time step: LSTMCell over T = 3 frames of K = 4 nodes.
    cell = torch.nn.Module()
    cell.cell = torch.nn.LSTMCell(c, 3)

    def lstm(m, x):
        h = torch.zeros(4, 3)
        cs = torch.zeros(4, 3)
        outs = []
        for f in range(3):
            h, cs = m.cell(x[f * 4:(f + 1) * 4], (h, cs))
            outs.append(h)
        return torch.cat(outs)
    generic("rstg_time", cell, {"x": torch.randn(12, c, generator=gen)}, lstm, {})
    # Edge -> node (Brasó & Leal-Taixé) on 6 nodes over 3 frames, 12 edges.
    n, e = 6, 12
    src = torch.randint(0, n, (e,), generator=gen)
    dst = torch.randint(0, n, (e,), generator=gen)
    times = torch.tensor([0, 1, 2, 0, 1, 2])
    en = EdgeNode(3, 2, 5, 4)
    generic("edge_node", en, {"x": torch.randn(n, 3, generator=gen), "edge_features": torch.randn(e, 2, generator=gen)},
            lambda m, x, edge_features: m(x, edge_features, src, dst, times),
            {"edge_index": torch.stack([src, dst]).float(), "times": times.float()})
    # Similarity graph (Wang & Gupta).
    sim = torch.nn.Module()
    sim.phi = torch.nn.Linear(3, 2)
    sim.phi_prime = torch.nn.Linear(3, 2)
    generic("similarity", sim, {"x": torch.randn(5, 3, generator=gen)},
            lambda m, x: (m.phi(x) @ m.phi_prime(x).T).softmax(1), {})


if __name__ == "__main__":
    more()
    sys.exit(main())
