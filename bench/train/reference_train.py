#!/usr/bin/python3
"""Reference for the Tessera CPU training benchmark: the same job written the way a PyTorch user would write it
(torchvision ImageFolder + DataLoader(num_workers=2) + RandomResizedCrop/flip/rotation/ColorJitter/grayscale +
ToTensor/Normalize, resnet18, AdamW with warm-up + cosine, label smoothing).

It trains on the photos Tessera trained on and validates on the SAME validation photos, read from Tessera's run card
(--card), so the two accuracies are comparable. Prints one JSON line with training images/s (median over epochs of
images / wall time of the training loop, data loading included) and the final validation accuracy.

  .venv/bin/python bench/train/reference_train.py --root DATA --card DATA/.tessera/runs/RUN/card.json \
      --epochs 3 --size 128 --batch 32 --lr 2e-3 [--expert]

--expert writes it as an expert would for this CPU (issue 12, section 4): channels_last, bf16 autocast where the CPU
has native bf16 (as Tessera's --precision auto does), fused AdamW; the rest is the same job.

--device cuda (bench/gpu/run.sh) trains on the GPU: pinned DataLoader batches copied without blocking, and with
--expert also cudnn.benchmark and bf16 autocast; losses stay on the GPU until the epoch ends, and the GPU is
synchronised before every timestamp.
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torchvision
from torchvision import transforms
from torchvision.datasets.folder import default_loader


class FileList(torch.utils.data.Dataset):
    def __init__(self, root, items, classes, transform):
        self.root, self.items, self.transform = root, items, transform
        self.index = {c: i for i, c in enumerate(classes)}

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, cls = self.items[i]
        return self.transform(default_loader(os.path.join(self.root, path))), self.index[cls]


def cpu_has_native_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--card", help="Tessera run card: class names and the train/validation split to reuse "
                    "(without it: every 5th photo of each class, by name, validates)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="torch intra-op threads (Debian's torch defaults to 1; we give it every core, like Tessera)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--scale-min", type=float, default=0.08,
                    help="RandomResizedCrop's smallest area share (0.35: the beginner's script of issue 13)")
    ap.add_argument("--expert", action="store_true",
                    help="channels_last, bf16 autocast where the device has native bf16, fused AdamW "
                         "(and cudnn.benchmark on a GPU)")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--arch", default="resnet18", help="a torchvision model name (resnet18, resnet50, ...)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    cuda = a.device == "cuda"
    device = torch.device(a.device)
    if cuda and a.expert:
        torch.backends.cudnn.benchmark = True

    def now():
        if cuda:
            torch.cuda.synchronize()
        return time.time()
    if a.card:
        card = json.load(open(a.card))
        classes = card["classes"]
        train_items = [(d["path"], d["class"]) for d in card["dataset"] if d["split"] == "train"]
        val_items = [(d["path"], d["class"]) for d in card["dataset"] if d["split"] == "validation"]
    else:
        classes = sorted(d for d in os.listdir(a.root) if os.path.isdir(os.path.join(a.root, d)) and d[0] != ".")
        train_items, val_items = [], []
        for c in classes:
            for i, f in enumerate(sorted(os.listdir(os.path.join(a.root, c)))):
                (val_items if i % 5 == 4 else train_items).append((os.path.join(c, f), c))

    norm = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    train_tf = transforms.Compose([
        transforms.RandomResizedCrop(a.size, scale=(a.scale_min, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(20),
        transforms.ColorJitter(0.4, 0.4, 0.4, 0.1),
        transforms.RandomGrayscale(0.1),
        transforms.ToTensor(), norm])
    val_tf = transforms.Compose([transforms.Resize(int(a.size * 1.14)), transforms.CenterCrop(a.size),
                                 transforms.ToTensor(), norm])
    train_dl = torch.utils.data.DataLoader(FileList(a.root, train_items, classes, train_tf), batch_size=a.batch,
                                           shuffle=True, num_workers=a.workers, drop_last=True,
                                           persistent_workers=a.workers > 0, pin_memory=cuda)
    val_dl = torch.utils.data.DataLoader(FileList(a.root, val_items, classes, val_tf), batch_size=64,
                                         num_workers=a.workers, pin_memory=cuda)

    model = torchvision.models.get_model(a.arch, num_classes=len(classes))
    memory_format = torch.channels_last if a.expert else torch.contiguous_format
    model = model.to(device=device, memory_format=memory_format)
    bf16 = a.expert and (torch.cuda.is_bf16_supported() if cuda else cpu_has_native_bf16())
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=a.lr, fused=True) if a.expert else torch.optim.AdamW(groups, lr=a.lr)
    steps = a.epochs * len(train_dl)
    warm = max(1, min(len(train_dl), steps // 20))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / (warm + 1) if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)

    ips, t_start = [], now()
    for epoch in range(a.epochs):
        model.train()
        t0, seen, loss_sum = now(), 0, torch.zeros((), device=device)
        for x, y in train_dl:
            x = x.to(device=device, memory_format=memory_format, non_blocking=True)
            y = y.to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            seen += x.shape[0]
            loss_sum += loss.detach() * x.shape[0]
        ips.append(seen / (now() - t0))
        model.eval()
        correct = torch.zeros((), dtype=torch.long, device=device)
        total = 0
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            for x, y in val_dl:
                x = x.to(device=device, memory_format=memory_format, non_blocking=True)
                correct += (model(x).argmax(1) == y.to(device, non_blocking=True)).sum()
                total += y.numel()
        acc = correct.item() / max(1, total)
        print(f"epoch {epoch + 1}/{a.epochs} train loss {loss_sum.item() / max(1, seen):.4f} val acc {acc:.3f} "
              f"{ips[-1]:.1f} img/s", flush=True)
    print(json.dumps({"tool": "pytorch-expert" if a.expert else "pytorch-reference", "bf16": bf16, "train_images_per_second": statistics.median(ips),
                      "epoch_images_per_second": ips, "val_accuracy": acc, "seconds": now() - t_start,
                      "device": a.device, "arch": a.arch, "batch": a.batch, "size": a.size,
                      "threads": a.threads, "workers": a.workers, "train_images": len(train_items),
                      "val_images": len(val_items)}))


if __name__ == "__main__":
    main()
