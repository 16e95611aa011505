#!/usr/bin/python3
"""Writes a Tessera model bundle (.tessera-model: manifest.json + model.safetensors) holding a torchvision ResNet
with random weights, for the prediction benchmark and the CLI tests (no Tessera code involved, so it also checks
that a bundle made outside Tessera loads).

usage: make_bundle.py OUT --arch resnet18 --classes 3 --input-size 224 --policy shorter_side_then_center_crop
       [--canvas 0] [--seed 0] [--head-scale 1.0]
"""
import argparse
import json
import struct
import zipfile

import torch
import torchvision


def safetensors_bytes(state):
    header, blobs, offset = {}, [], 0
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    for name, t in state.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--input-size", type=int, default=224)
    ap.add_argument("--policy", default="shorter_side_then_center_crop")
    ap.add_argument("--canvas", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--head-scale", type=float, default=1.0, help="scale fc weights (small: unsaturated softmax)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    model = getattr(torchvision.models, a.arch)(num_classes=a.classes)
    with torch.no_grad():
        model.fc.weight.mul_(a.head_scale)
    manifest = {
        "format": "tessera-model",
        "format_version": 1,
        "arch": a.arch,
        "class_names": ["class%d" % i for i in range(a.classes)],
        "preprocessing": {"input_size": a.input_size, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                          "resize_policy": a.policy, "canvas_size": a.canvas},
        "created": "",
        "tessera_version": "",
    }
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=2))
        z.writestr("model.safetensors", safetensors_bytes(model.state_dict()))
        z.writestr("runcard.json", "{}")


if __name__ == "__main__":
    main()
