"""Makes Tests/ModelsTests/Fixtures/rstg_tiny_track.{yaml,safetensors} from rstg_tiny_motion.safetensors: the same
tensors plus the pairwise synchrony readout with its digit-track term (`readout: synchrony`, `track_readout: true`,
`cell_motion: matching`; SynchronyPairReadout.swift, DigitTrackReadout.swift, MotionAffinity.matchFineCells).
The new heads' weights are N(0, 0.5^2) draws and their biases N(0, 1) draws (torch seed 0), so every head moves the
logits; gamma 0.3, track gains [1.0, -0.5, 0.8], track offset 0.2. Then make the golden logits with
    $(tools/python-env) tools/reference/rstg_torch.py golden --model rstg_tiny_track.safetensors --clips 2 --out rstg_tiny_track_golden.safetensors
Usage (in Tests/ModelsTests/Fixtures): $(tools/python-env) ../../../tools/reference/rstg_track_fixture.py"""
import json

import torch
from safetensors import safe_open
from safetensors.torch import save_file

with safe_open("rstg_tiny_motion.safetensors", "pt") as f:
    meta = dict(f.metadata())
    tensors = {k: f.get_tensor(k) for k in f.keys()}
torch.manual_seed(0)
hidden = tensors["embed.weight"].shape[0]
tensors["pair_readout.sync.weight"] = torch.randn(1, hidden) * 0.5
tensors["pair_readout.sync.bias"] = torch.randn(1)
tensors["pair_readout.identity.weight"] = torch.randn(10, hidden) * 0.5
tensors["pair_readout.identity.bias"] = torch.randn(10)
tensors["pair_readout.gamma"] = torch.tensor([0.3])
tensors["pair_readout.track.gain"] = torch.tensor([1.0, -0.5, 0.8])
tensors["pair_readout.track.offset"] = torch.tensor([0.2])
name = "tiny-golden-track-readout"
config = meta["config"].replace("name: tiny-golden-motion-affinity", f"name: {name}").replace(
    "motion_affinity: true}", "motion_affinity: true, readout: synchrony, track_readout: true, cell_motion: matching}")
assert name in config and "track_readout" in config
arch = json.loads(meta["architecture"])
arch.update({"readout": "synchrony", "track_readout": True, "cell_motion": "matching"})
meta.update({"name": name, "config": config, "architecture": json.dumps(arch, sort_keys=True, separators=(",", ":")),
             "parameters": str(sum(t.numel() for k, t in tensors.items() if "running_" not in k and "num_batches" not in k)),
             "trained_with": meta["trained_with"] + " (then tools/reference/rstg_track_fixture.py)"})
save_file({k: v.contiguous() for k, v in tensors.items()}, "rstg_tiny_track.safetensors", metadata=meta)
open("rstg_tiny_track.yaml", "w").write(config)
print("wrote rstg_tiny_track.safetensors and rstg_tiny_track.yaml")
