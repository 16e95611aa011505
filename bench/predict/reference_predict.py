#!/usr/bin/python3
"""The reference for the prediction benchmark: what a PyTorch user writes to classify a folder of photos —
torchvision eval transforms (Resize(256), CenterCrop(224), ToTensor, Normalize), a DataLoader with worker
processes, ResNet-18 under torch.inference_mode(), top-3 to a CSV. The network has the same random weights as
make_bundle.py --seed 0 (same construction order), so the two programs' top-1 classes can be compared.

usage: reference_predict.py FOLDER --out ref.csv [--batch 32] [--workers 2] [--classes 3]
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
    a = ap.parse_args()
    start = time.time()
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(a.folder) for f in fs if f.lower().endswith(EXTS))
    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    loader = torch.utils.data.DataLoader(Files(files, tf), batch_size=a.batch, num_workers=a.workers)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=a.classes).eval()
    with open(a.out, "w", newline="") as f, torch.inference_mode():
        w = csv.writer(f)
        w.writerow(["file", "top1", "p1", "top2", "p2", "top3", "p3"])
        for x, idx in loader:
            p = torch.softmax(model(x), 1)
            top = p.topk(min(3, a.classes), 1)
            for r in range(x.shape[0]):
                row = [files[idx[r]]]
                for k in range(top.indices.shape[1]):
                    row += ["class%d" % top.indices[r, k].item(), "%.6f" % top.values[r, k].item()]
                w.writerow(row)
    secs = time.time() - start
    print("reference: %d images in %.2f s = %.2f images/s" % (len(files), secs, len(files) / secs), file=sys.stderr)


if __name__ == "__main__":
    main()
