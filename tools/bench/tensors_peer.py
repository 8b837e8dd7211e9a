"""PyTorch CPU peer for tools/bench-tensors: the same cases as Sources/vidgraph-bench/main.swift.

Prints one JSON object per case: {"name", "ms", "threads"} (median of --repeats after 3 warm-ups).
`--merge OURS PEER` joins two such outputs into {"name", "ours_ms", "peer_ms", "ratio", "threads"}.
"""
import argparse
import json
import statistics
import sys
import time


LAST_CPU_MS = [0.0]


def measure(fn, repeats):
    """Median wall milliseconds over `repeats` runs after 3 warm-ups; median CPU time (all threads)
    goes to LAST_CPU_MS."""
    for _ in range(3):
        fn()
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    LAST_CPU_MS[0] = statistics.median(cpu)
    return statistics.median(times)


def run(threads, repeats, only):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    def report(name, ms, **extra):
        print(json.dumps({"name": name, "ms": round(ms, 4), "cpu_ms": round(LAST_CPU_MS[0], 4), "threads": threads,
                          **extra}), flush=True)

    def wanted(name):
        return only is None or name.startswith(only)

    if wanted("sgemm"):
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        ms = measure(lambda: torch.mm(a, b), repeats)
        report("sgemm_1024", ms, gflops=round(2 * 1024 ** 3 / ms / 1e6, 3))

    if wanted("conv"):
        x, w, bias = torch.randn(1, 64, 64, 64), torch.randn(64, 64, 3, 3) * 0.05, torch.randn(64)
        with torch.no_grad():
            ms = measure(lambda: F.conv2d(x, w, bias, padding=1), repeats)
        report("conv3x3_64_fwd", ms, gflops=round(2 * 64 * 64 * 9 * 64 * 64 / ms / 1e6, 3))
        for t in (x, w, bias):
            t.requires_grad_(True)

        def step():
            F.conv2d(x, w, bias, padding=1).sum().backward()
            for t in (x, w, bias):
                t.grad = None
        report("conv3x3_64_fwd_bwd", measure(step, repeats))

    if wanted("convgru"):
        hidden = 64
        wg, bg = torch.randn(2 * hidden, 128, 3, 3) * 0.03, torch.zeros(2 * hidden)
        wc, bc = torch.randn(hidden, 128, 3, 3) * 0.03, torch.zeros(hidden)
        x, h = torch.randn(1, 64, 64, 64), torch.randn(1, 64, 64, 64)

        def cell():
            gates = torch.sigmoid(F.conv2d(torch.cat([x, h], 1), wg, bg, padding=1))
            z, r = gates.split([hidden, hidden], 1)
            n = torch.tanh(F.conv2d(torch.cat([x, r * h], 1), wc, bc, padding=1))
            return (1 - z) * h + z * n
        with torch.no_grad():
            report("convgru_64_fwd", measure(cell, repeats))
        leaves = (wg, bg, wc, bc, x, h)
        for t in leaves:
            t.requires_grad_(True)

        def step():
            cell().sum().backward()
            for t in leaves:
                t.grad = None
        report("convgru_64_fwd_bwd", measure(step, repeats))

    if wanted("attention"):
        a = torch.randn(64, 32, 32, requires_grad=True)
        b = torch.randn(64, 32, 32, requires_grad=True)

        def step():
            q, k = a.reshape(64, 1024), b.reshape(64, 1024)
            attn = torch.softmax(q.T @ k * (1 / 8), dim=-1)
            (attn @ k.T).sum().backward()
            a.grad = None
            b.grad = None
        report("attention_64x32x32_fwd_bwd", measure(step, repeats))

    if wanted("adam"):
        p = torch.nn.Parameter(torch.full((10_000_000,), 0.5))
        p.grad = (torch.arange(10_000_000) % 97).float() * 0.01 - 0.4
        opt = torch.optim.Adam([p], lr=1e-3)
        report("adam_10M", measure(opt.step, repeats))


def merge(ours_path, peer_path, as_json):
    def load(path):
        """Rows by (name, threads); repeated rounds are combined by their median time."""
        groups = {}
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    row = json.loads(line)
                    groups.setdefault((row["name"], row["threads"]), []).append(row)
        rows = {}
        for key, group in groups.items():
            group.sort(key=lambda r: r["ms"])
            rows[key] = group[len(group) // 2]
        return rows
    ours, peer = load(ours_path), load(peer_path)
    if not as_json:
        print(f"{'case':32} {'threads':>7} {'ours ms':>10} {'torch ms':>10} {'ratio':>7} {'cpu ratio':>9}  notes")
    for (name, threads), row in ours.items():
        p = peer.get((name, threads))
        out = {"name": name, "ours_ms": row["ms"], "peer_ms": p["ms"] if p else None,
               "ratio": round(row["ms"] / p["ms"], 3) if p else None, "threads": row["threads"]}
        if p and p.get("cpu_ms") and row.get("cpu_ms"):
            out["ours_cpu_ms"], out["peer_cpu_ms"] = row["cpu_ms"], p["cpu_ms"]
            out["cpu_ratio"] = round(row["cpu_ms"] / p["cpu_ms"], 3)
        notes = {k: v for k, v in row.items() if k not in ("name", "ms", "threads", "cpu_ms")}
        if p and "gflops" in p:
            notes["peer_gflops"] = p["gflops"]
        out.update(notes)
        if as_json:
            print(json.dumps(out))
        else:
            peer_ms = f"{out['peer_ms']:10.3f}" if p else f"{'-':>10}"
            ratio = f"{out['ratio']:7.2f}" if p else f"{'-':>7}"
            ratio += f" {out['cpu_ratio']:9.2f}" if "cpu_ratio" in out else f" {'-':>9}"
            note = " ".join(f"{k}={v}" for k, v in notes.items())
            print(f"{name:32} {row['threads']:>7} {row['ms']:10.3f} {peer_ms} {ratio}  {note}")
    # Convolution efficiency: conv forward GFLOP/s over sgemm GFLOP/s of the same run.
    for (name, threads), row in ours.items():
        if name != "conv3x3_64_fwd" or ("sgemm_1024", threads) not in ours:
            continue
        sgemm = ours[("sgemm_1024", threads)]["gflops"]
        share = row["gflops"] / sgemm
        if as_json:
            print(json.dumps({"name": "conv_fwd_vs_sgemm", "threads": threads, "conv_gflops": row["gflops"],
                              "sgemm_gflops": sgemm, "fraction": round(share, 3)}))
        else:
            print(f"conv fwd {row['gflops']:.1f} GFLOP/s = {100 * share:.0f}% of sgemm {sgemm:.1f} GFLOP/s ({threads} threads)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only")
    parser.add_argument("--merge", nargs=2, metavar=("OURS", "PEER"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.merge:
        merge(*args.merge, args.json)
    else:
        run(args.threads, args.repeats, args.only)
