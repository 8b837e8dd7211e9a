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


if __name__ == "__main__":
    sys.exit(main())
