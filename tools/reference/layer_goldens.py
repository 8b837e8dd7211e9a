#!/usr/bin/env python3
"""Golden fixtures for the Layers module (forward values and gradients from PyTorch).

Run: `$(VIDGRAPH_VENV=/work/venv tools/python-env) tools/reference/layer_goldens.py`
Writes Tests/LayersTests/Fixtures/<case>.safetensors. Keys per file:
  param.<state_dict name>   the module's parameters/buffers before the forward (PyTorch names)
  input.<name>              inputs; input.seed_<out> is the gradient seed for output <out>
  output.<name>             forward results
  grad.<name>               gradients of sum(output * seed) w.r.t. inputs and parameters
  state.<name>              buffers after the forward (BatchNorm running statistics)
Parameters are drawn from a seeded generator and saved, so the Swift side loads them by name
(which also checks that the state_dict names agree with PyTorch).
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "LayersTests", "Fixtures")
torch.manual_seed(1234)


def rand(*shape, scale=1.0):
    return (torch.rand(*shape) * 2 - 1) * scale


def randomize(module, scale=0.5):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(rand(*p.shape, scale=scale))


def save(name, tensors):
    clean = {k: v.detach().contiguous().float() for k, v in tensors.items()}
    save_file(clean, os.path.join(OUT, name + ".safetensors"))


def module_case(name, module, inputs, forward, extra=None):
    """Runs forward(module, *inputs) -> dict of outputs, back-propagates random seeds, saves."""
    params = {"param." + k: v.clone() for k, v in module.state_dict().items()}
    for x in inputs.values():
        x.requires_grad_(True)
    outputs = forward(module, **inputs)
    loss = 0
    seeds = {}
    for k, y in outputs.items():
        seeds[k] = rand(*y.shape)
        loss = loss + (y * seeds[k]).sum()
    loss.backward()
    data = dict(params)
    data.update({"input." + k: v for k, v in inputs.items()})
    data.update({"input.seed_" + k: v for k, v in seeds.items()})
    data.update({"output." + k: v for k, v in outputs.items()})
    data.update({"grad." + k: v.grad for k, v in inputs.items() if v.grad is not None})
    data.update({"grad." + k: p.grad for k, p in module.named_parameters()})
    if extra:
        data.update(extra(module))
    save(name, data)


class ConvGRUCell(nn.Module):
    """Reference of vidgraph's ConvGRUCell: gates conv -> [z, r] (update first), candidate conv."""

    def __init__(self, cin, hidden, k):
        super().__init__()
        self.gates = nn.Conv2d(cin + hidden, 2 * hidden, k, padding=k // 2)
        self.candidate = nn.Conv2d(cin + hidden, hidden, k, padding=k // 2)
        self.hidden = hidden

    def forward(self, x, h):
        zr = torch.sigmoid(self.gates(torch.cat([x, h], 1)))
        z, r = zr[:, :self.hidden], zr[:, self.hidden:]
        cand = torch.tanh(self.candidate(torch.cat([x, r * h], 1)))
        return (1 - z) * h + z * cand


def main():
    os.makedirs(OUT, exist_ok=True)

    m = nn.Linear(5, 3); randomize(m)
    module_case("linear", m, {"x": rand(2, 4, 5)}, lambda m, x: {"y": m(x)})

    m = nn.Conv2d(4, 6, 3, padding=1); randomize(m)
    module_case("conv2d_basic", m, {"x": rand(2, 4, 5, 6)}, lambda m, x: {"y": m(x)})
    m = nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2); randomize(m)
    module_case("conv2d_grouped", m, {"x": rand(2, 4, 7, 6)}, lambda m, x: {"y": m(x)})

    m = nn.BatchNorm2d(3); randomize(m)
    with torch.no_grad():
        m.running_mean.copy_(rand(3)); m.running_var.copy_(torch.rand(3) + 0.5)
    module_case("batchnorm_train", m, {"x": rand(4, 3, 5, 5, scale=2) + 0.3}, lambda m, x: {"y": m(x)},
                extra=lambda m: {"state.running_mean": m.running_mean.clone(),
                                 "state.running_var": m.running_var.clone(),
                                 "state.num_batches_tracked": m.num_batches_tracked.clone()})
    m = nn.BatchNorm2d(3); randomize(m)
    with torch.no_grad():
        m.running_mean.copy_(rand(3)); m.running_var.copy_(torch.rand(3) + 0.5)
    m.eval()
    module_case("batchnorm_eval", m, {"x": rand(2, 3, 4, 4, scale=2)}, lambda m, x: {"y": m(x)})

    m = nn.LayerNorm([4, 5]); randomize(m)
    module_case("layernorm", m, {"x": rand(3, 4, 5, scale=2) + 0.5}, lambda m, x: {"y": m(x)})

    m = nn.GroupNorm(2, 6); randomize(m)
    module_case("groupnorm", m, {"x": rand(2, 6, 3, 3, scale=2)}, lambda m, x: {"y": m(x)})

    m = nn.GRUCell(5, 4); randomize(m)
    module_case("gru_cell", m, {"x": rand(3, 5), "h": rand(3, 4)}, lambda m, x, h: {"h": m(x, h)})

    m = nn.LSTMCell(5, 4); randomize(m)

    def lstm(m, x, h, c):
        h2, c2 = m(x, (h, c))
        return {"h": h2, "c": c2}
    module_case("lstm_cell", m, {"x": rand(3, 5), "h": rand(3, 4), "c": rand(3, 4)}, lstm)

    m = ConvGRUCell(3, 4, 3); randomize(m, scale=0.3)
    module_case("convgru_cell", m, {"x": rand(2, 3, 5, 5), "h": rand(2, 4, 5, 5)},
                lambda m, x, h: {"h": m(x, h)})

    m = nn.MultiheadAttention(8, 2, batch_first=True); randomize(m)

    def mha(m, q, k, v, mask):
        out, w = m(q, k, v, attn_mask=mask.detach(), need_weights=True, average_attn_weights=True)
        return {"out": out, "weights": w}
    module_case("mha", m, {"q": rand(2, 3, 8), "k": rand(2, 4, 8), "v": rand(2, 4, 8), "mask": rand(3, 4)}, mha)

    # Losses: logits / predictions, targets, outputs (scalar), gradient w.r.t. the prediction.
    x = rand(2, 3, 4, scale=4).requires_grad_(True); t = (torch.rand(2, 3, 4) > 0.6).float()
    pw = torch.tensor([2.5])
    y = F.binary_cross_entropy_with_logits(x, t, pos_weight=pw); y.backward()
    save("loss_bce", {"input.x": x, "input.t": t, "input.pos_weight": pw, "output.y": y.reshape(1), "grad.x": x.grad})
    x = rand(2, 3, 4, scale=4).requires_grad_(True)
    y = F.binary_cross_entropy_with_logits(x, t, reduction="sum"); y.backward()
    save("loss_bce_sum", {"input.x": x, "input.t": t, "output.y": y.reshape(1), "grad.x": x.grad})

    x = rand(6, 5, scale=3).requires_grad_(True); t = torch.tensor([0, 4, 2, -100, 1, 3])
    y = F.cross_entropy(x, t, label_smoothing=0.1, ignore_index=-100); y.backward()
    save("loss_ce", {"input.x": x, "input.t": t.float(), "output.y": y.reshape(1), "grad.x": x.grad})

    x = rand(2, 3, 2, 2, scale=3).requires_grad_(True); t = torch.randint(0, 3, (2, 2, 2))
    y = F.cross_entropy(x, t, label_smoothing=0.05); y.backward()
    save("loss_ce_spatial", {"input.x": x, "input.t": t.float(), "output.y": y.reshape(1), "grad.x": x.grad})

    x = rand(3, 4).requires_grad_(True); t = rand(3, 4)
    y = F.l1_loss(x, t); y.backward()
    save("loss_l1", {"input.x": x, "input.t": t, "output.y": y.reshape(1), "grad.x": x.grad})
    x = rand(3, 4).requires_grad_(True)
    y = F.mse_loss(x, t); y.backward()
    save("loss_mse", {"input.x": x, "input.t": t, "output.y": y.reshape(1), "grad.x": x.grad})

    p = torch.rand(2, 1, 4, 4).requires_grad_(True); t = (torch.rand(2, 1, 4, 4) > 0.5).float()
    eps = 1.0
    y = 1 - (2 * (p * t).sum() + eps) / (p.sum() + t.sum() + eps); y.backward()
    save("loss_dice", {"input.x": p, "input.t": t, "output.y": y.reshape(1), "grad.x": p.grad})

    # Optimizer trajectories on f(p) = sum(a * (p - c)^2) / 2 + sum(p^3) / 10 (nonzero 3rd derivative).
    a = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.5, 0.2]); c = torch.tensor([0.5, -1.0, 2.0, 0.0, -0.5, 1.0])
    p0 = torch.tensor([1.0, 0.5, -1.0, 2.0, 0.0, -0.3])
    optims = {
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        "sgd_plain": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.0),
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.01),
        "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.1, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
    }
    data = {"input.a": a, "input.c": c, "input.p0": p0}
    for name, make in optims.items():
        p = p0.clone().requires_grad_(True)
        opt = make([p])
        traj = []
        for _ in range(6):
            opt.zero_grad()
            f = (a * (p - c) ** 2).sum() / 2 + (p ** 3).sum() / 10
            f.backward()
            opt.step()
            traj.append(p.detach().clone())
        data["output." + name] = torch.stack(traj)
    save("optimizers", data)


if __name__ == "__main__":
    main()
