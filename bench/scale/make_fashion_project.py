#!/usr/bin/env python3
"""A photo folder of N real images for scale measurements (issue 14: a project of 10,000 photos end to end).

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, IDX files) and writes the first N images of
the chosen set as 28x28 grey PNGs in class folders (ImageFolder layout: the scan labels them by folder), names
<class>/<set>-<index>.png. Standard library only (zlib for PNG), so it runs before any venv exists.

  bench/scale/make_fashion_project.py OUT_DIR [--count 10000] [--set t10k|train]
"""
import argparse
import gzip
import os
import struct
import sys
import zlib

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2049:  # labels
        return list(data[8:8 + count])
    if magic == 2051:  # images
        rows, cols = struct.unpack(">II", data[8:16])
        size = rows * cols
        return [data[16 + i * size:16 + (i + 1) * size] for i in range(count)], rows, cols
    sys.exit(f"{path}: not an IDX file (magic {magic})")


def png(pixels, width, height):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--set", choices=["t10k", "train"], default="t10k")
    a = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA} is missing: apt-get install dataset-fashion-mnist")
    (images, rows, cols) = read_idx(os.path.join(DATA, f"{a.set}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, f"{a.set}-labels-idx1-ubyte.gz"))
    n = min(a.count, len(images))
    for c in CLASSES:
        os.makedirs(os.path.join(a.out, c), exist_ok=True)
    for i in range(n):
        with open(os.path.join(a.out, CLASSES[labels[i]], f"{a.set}-{i:05d}.png"), "wb") as f:
            f.write(png(images[i], cols, rows))
    print(f"wrote {n} images in {len(CLASSES)} class folders under {a.out}")


if __name__ == "__main__":
    main()
