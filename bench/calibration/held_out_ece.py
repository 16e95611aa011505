#!/usr/bin/env python3
"""Calibration of `tessera-cli predict` scores on photos no model saw: reads predict CSVs written with --top-k equal
to the number of classes, takes each photo's true class from its parent folder, and prints accuracy, the expected
calibration error (10 equal-width bins of top-1 confidence, as core/evaluate/calibration.cpp) and the log loss.
    held_out_ece.py PREDICTIONS.csv [MORE.csv ...]"""
import csv
import math
import os
import sys


def summary(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["error"]:
                continue
            truth = os.path.basename(os.path.dirname(r["file"]))
            scores = {}
            k = 1
            while f"top{k}" in r and r[f"top{k}"]:
                scores[r[f"top{k}"]] = float(r[f"p{k}"])
                k += 1
            rows.append((truth, r["top1"], float(r["p1"]), scores.get(truth, 0.0)))
    bins = [[0, 0.0, 0.0] for _ in range(10)]
    for truth, top, p, _ in rows:
        b = bins[min(9, int(p * 10))]
        b[0] += 1
        b[1] += p
        b[2] += 1.0 if top == truth else 0.0
    n = len(rows)
    ece = sum(abs(b[2] - b[1]) for b in bins if b[0]) / n
    acc = sum(1 for t, top, _, _ in rows if t == top) / n
    loss = -sum(math.log(max(1e-12, pt)) for *_, pt in rows) / n
    conf = sum(p for _, _, p, _ in rows) / n
    return n, acc, conf, ece, loss


for path in sys.argv[1:]:
    n, acc, conf, ece, loss = summary(path)
    print(f"{os.path.basename(path)}: {n} photos, accuracy {acc:.3f}, mean top-1 score {conf:.3f}, "
          f"ECE {ece:.3f}, log loss {loss:.3f}")
