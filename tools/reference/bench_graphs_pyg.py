#!/usr/bin/env python3
"""PyTorch Geometric peer for tools/bench-graphs: GCNConv and GATConv (4 heads) forward + backward
on a random graph, CPU, fixed thread count. Prints one JSON line per layer (median ms)."""
import argparse
import json
import time

import torch
from torch_geometric.nn import GATConv, GCNConv

p = argparse.ArgumentParser()
p.add_argument("--nodes", type=int, default=10000)
p.add_argument("--edges", type=int, default=60000)
p.add_argument("--channels", type=int, default=128)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--repeats", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
ei = torch.randint(0, a.nodes, (2, a.edges))
x = torch.randn(a.nodes, a.channels)
gcn = GCNConv(a.channels, a.channels)
gat = GATConv(a.channels, a.channels // a.heads, heads=a.heads)


def bench(m):
    def once():
        out = m(x, ei)
        out.backward(torch.ones_like(out))
        m.zero_grad()
    once()
    walls, cpus = [], []
    for _ in range(a.repeats):
        t, c = time.perf_counter(), time.process_time()
        once()
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - t) * 1000)
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2]


for name, m in (("gcnconv_fwd_bwd", gcn), ("gatconv4_fwd_bwd", gat)):
    wall, cpu = bench(m)
    print(json.dumps({"name": name, "peer_ms": round(wall, 3), "peer_cpu_ms": round(cpu, 3), "threads": a.threads}))
