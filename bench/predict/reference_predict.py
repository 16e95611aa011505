#!/usr/bin/python3
"""The reference for the prediction benchmark: what a PyTorch user writes to classify a folder of photos —
torchvision eval transforms (Resize(256), CenterCrop(224), ToTensor, Normalize), a DataLoader with worker
processes, ResNet-18 under torch.inference_mode(), top-3 to a CSV. The network has the same random weights as
make_bundle.py --seed 0 (same construction order), so the two programs' top-1 classes can be compared.

On a GPU (--device cuda, bench/gpu/run.sh) it is written as an expert would: pinned batches copied without
blocking, channels_last, bf16 autocast, cudnn.benchmark, one copy back per batch.

usage: reference_predict.py FOLDER --out ref.csv [--batch 32] [--workers 2] [--classes 3] [--device cpu|cuda]
"""
import argparse
import csv
import os
import sys
import time

import torch
import torchvision
from torchvision import transforms
from torchvision.datasets.folder import default_loader

EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")


class Files(torch.utils.data.Dataset):
    def __init__(self, files, tf):
        self.files, self.tf = files, tf

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.tf(default_loader(self.files[i])), i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    a = ap.parse_args()
    cuda = a.device == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
    start = time.time()
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(a.folder) for f in fs if f.lower().endswith(EXTS))
    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    loader = torch.utils.data.DataLoader(Files(files, tf), batch_size=a.batch, num_workers=a.workers,
                                         pin_memory=cuda)
    torch.manual_seed(0)
    memory_format = torch.channels_last if cuda else torch.contiguous_format
    model = torchvision.models.resnet18(num_classes=a.classes).eval().to(a.device, memory_format=memory_format)
    with open(a.out, "w", newline="") as f, torch.inference_mode():
        w = csv.writer(f)
        w.writerow(["file", "top1", "p1", "top2", "p2", "top3", "p3"])
        for x, idx in loader:
            x = x.to(a.device, memory_format=memory_format, non_blocking=True)
            with torch.autocast(a.device, dtype=torch.bfloat16, enabled=cuda):
                logits = model(x)
            top = torch.softmax(logits.float(), 1).topk(min(3, a.classes), 1)
            values, indices = top.values.cpu(), top.indices.cpu()
            for r in range(x.shape[0]):
                row = [files[idx[r]]]
                for k in range(indices.shape[1]):
                    row += ["class%d" % indices[r, k].item(), "%.6f" % values[r, k].item()]
                w.writerow(row)
    if cuda:
        torch.cuda.synchronize()
    secs = time.time() - start
    print("reference: %d images in %.2f s = %.2f images/s" % (len(files), secs, len(files) / secs), file=sys.stderr)


if __name__ == "__main__":
    main()
