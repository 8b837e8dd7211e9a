"""Golden fixtures for the Tensors module, computed with PyTorch (CPU, float64 then rounded).

Writes Tests/TensorsTests/Fixtures/tensor_goldens.safetensors: for every case `<case>.in<i>` (inputs),
`<case>.out` (forward), `<case>.w` (fixed loss weights) and `<case>.grad<i>` (gradient of
sum(out * w) for input i). Also writes safetensors_python.safetensors with the official `safetensors`
package (several dtypes and metadata) for the reader test.

Run: "$(VIDGRAPH_VENV=/work/venv tools/python-env)" tools/reference/tensor_goldens.py
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "TensorsTests", "Fixtures")

gen = torch.Generator().manual_seed(1234)


def randn(*shape):
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def positive(*shape):
    return torch.rand(*shape, generator=gen, dtype=torch.float64) * 1.5 + 0.25


# name -> (inputs, function). Parameters here must match Tests/TensorsTests/GoldenTests.swift.
CASES = {
    "add": ([randn(2, 3, 4), randn(3, 1)], lambda a, b: a + b),
    "sub": ([randn(2, 3, 4), randn(4)], lambda a, b: a - b),
    "mul": ([randn(2, 1, 4), randn(3, 1)], lambda a, b: a * b),
    "div": ([randn(2, 3, 4), positive(1, 3, 1)], lambda a, b: a / b),
    "exp": ([randn(3, 5)], torch.exp),
    "log": ([positive(3, 5)], torch.log),
    "sqrt": ([positive(3, 5)], torch.sqrt),
    "pow": ([positive(3, 5)], lambda x: x ** 2.5),
    "abs": ([randn(3, 5)], torch.abs),
    "relu": ([randn(3, 5)], torch.relu),
    "leaky_relu": ([randn(3, 5)], lambda x: F.leaky_relu(x, 0.1)),
    "sigmoid": ([randn(3, 5)], torch.sigmoid),
    "tanh": ([randn(3, 5)], torch.tanh),
    "gelu": ([randn(3, 5)], F.gelu),
    "clamp": ([randn(3, 5)], lambda x: x.clamp(-0.5, 0.7)),
    "sum": ([randn(2, 3, 4)], lambda x: x.sum(dim=(0, 2), keepdim=True)),
    "mean": ([randn(2, 3, 4)], lambda x: x.mean(dim=1)),
    "max": ([randn(2, 3, 4)], lambda x: x.max(dim=-1).values),
    "matmul": ([randn(3, 4), randn(4, 5)], torch.matmul),
    "matmul_ta_tb": ([randn(4, 3), randn(5, 4)], lambda a, b: a.T @ b.T),
    "bmm": ([randn(2, 3, 4), randn(2, 4, 5)], torch.bmm),
    "matmul_shared": ([randn(2, 3, 4), randn(4, 5)], torch.matmul),
    "conv_basic": ([randn(2, 3, 6, 7), randn(4, 3, 3, 3), randn(4)],
                   lambda x, w, b: F.conv2d(x, w, b, padding=1)),
    "conv_stride_dilation": ([randn(1, 2, 9, 8), randn(3, 2, 3, 2), randn(3)],
                             lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(2, 1), dilation=(2, 3))),
    "conv_groups": ([randn(2, 4, 6, 6), randn(6, 2, 3, 3), randn(6)],
                    lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2)),
    "conv_depthwise": ([randn(1, 3, 5, 5), randn(3, 1, 3, 3), randn(3)],
                       lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=3)),
    "conv_pointwise": ([randn(2, 3, 4, 5), randn(5, 3, 1, 1), randn(5)], lambda x, w, b: F.conv2d(x, w, b)),
    "max_pool": ([randn(2, 2, 6, 7)], lambda x: F.max_pool2d(x, 2)),
    "max_pool_pad": ([randn(1, 2, 7, 6)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1)),
    "avg_pool": ([randn(1, 2, 7, 6)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1)),
    "avg_pool_exclude_pad": ([randn(1, 2, 7, 6)],
                             lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)),
    "adaptive_avg_pool": ([randn(1, 2, 5, 7)], lambda x: F.adaptive_avg_pool2d(x, (3, 4))),
    "area_down": ([randn(1, 2, 9, 8)], lambda x: F.interpolate(x, size=(4, 3), mode="area")),
    "area_up": ([randn(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(7, 6), mode="area")),
    "bilinear_up": ([randn(1, 2, 4, 5)], lambda x: F.interpolate(x, size=(9, 7), mode="bilinear", align_corners=False)),
    "bilinear_down": ([randn(1, 2, 9, 8)], lambda x: F.interpolate(x, size=(4, 3), mode="bilinear", align_corners=False)),
    "bilinear_align": ([randn(1, 2, 4, 5)], lambda x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True)),
    "softmax": ([randn(3, 5, 2)], lambda x: torch.softmax(x, dim=1)),
    "log_softmax": ([randn(3, 5)], lambda x: torch.log_softmax(x, dim=0)),
    "concat": ([randn(2, 3, 2), randn(2, 1, 2)], lambda a, b: torch.cat([a, b], dim=1)),
    "slice": ([randn(3, 6, 2)], lambda x: x[:, 1:4, :]),
    "permute": ([randn(2, 3, 4)], lambda x: x.permute(2, 0, 1)),
    "pad": ([randn(2, 3, 4)], lambda x: F.pad(x, (2, 1, 0, 3, 1, 0), value=0.25)),
}


def main():
    tensors = {}
    for name, (inputs, fn) in CASES.items():
        leaves = [t.clone().requires_grad_(True) for t in inputs]
        out = fn(*leaves)
        w = torch.rand(out.shape, generator=gen, dtype=torch.float64) * 2 - 1
        (out * w).sum().backward()
        for i, t in enumerate(leaves):
            tensors[f"{name}.in{i}"] = t.detach()
            tensors[f"{name}.grad{i}"] = t.grad
        tensors[f"{name}.out"] = out.detach()
        tensors[f"{name}.w"] = w
    tensors = {k: v.float().contiguous() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "tensor_goldens.safetensors"), metadata={"generator": "tools/reference/tensor_goldens.py", "torch": torch.__version__})

    # A file from the official writer with several dtypes, for the reader test.
    ramp = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5
    save_file({
        "f32": ramp,
        "f16": ramp.half(),
        "bf16": ramp.bfloat16(),
        "f64": ramp.double(),
        "i64": torch.tensor([-3, 0, 7], dtype=torch.int64),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
    }, os.path.join(OUT, "safetensors_python.safetensors"), metadata={"format": "pt", "note": "written by safetensors"})


if __name__ == "__main__":
    main()
