#!/usr/bin/python3
"""Generates a folder of sherd-like JPEG photos for the training benchmark: ROOT/<class>/<n>.jpg, 4 classes
(plain red ware, black glaze, painted bands, incised dots) on a textured table, random shape, size, rotation,
lighting. Deterministic under --seed. With --jobs N > 1 the photos are drawn in N processes, each photo from a
stream of its own (seed, class, number): the same photos for every N > 1, other photos than --jobs 1 draws.

  /usr/bin/python3 bench/train/make_photos.py OUT --per-class 100 --width 800 --height 600
"""
import argparse
import math
import multiprocessing
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ["redware", "blackglaze", "painted", "incised"]


def sherd(cls, w, h, rng):
    bg = np.array([rng.randint(170, 235)] * 3) + np.array([rng.randint(-10, 10) for _ in range(3)])
    img = np.clip(np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, (h, w, 3)) + bg, 0, 255).astype(np.uint8)
    im = Image.fromarray(img)
    cx, cy = w / 2 + rng.uniform(-w / 8, w / 8), h / 2 + rng.uniform(-h / 8, h / 8)
    r = min(w, h) * rng.uniform(0.25, 0.4)
    pts = [(cx + r * rng.uniform(0.6, 1.1) * math.cos(a), cy + r * rng.uniform(0.6, 1.1) * math.sin(a))
           for a in sorted(rng.uniform(0, 2 * math.pi) for _ in range(rng.randint(5, 9)))]
    body = {"redware": (rng.randint(150, 190), rng.randint(70, 100), rng.randint(40, 70)),
            "blackglaze": (rng.randint(20, 45), rng.randint(20, 40), rng.randint(20, 40)),
            "painted": (rng.randint(200, 230), rng.randint(170, 200), rng.randint(130, 160)),
            "incised": (rng.randint(140, 170), rng.randint(120, 140), rng.randint(90, 110))}[cls]
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon(pts, fill=255)
    layer = Image.new("RGB", (w, h), body)
    d = ImageDraw.Draw(layer)
    if cls == "painted":
        for k in range(rng.randint(2, 4)):
            y = cy - r + (k + 1) * 2 * r / 5
            d.line([(cx - r, y), (cx + r, y + rng.uniform(-r / 4, r / 4))], fill=(rng.randint(90, 130), 40, 20),
                   width=int(r / 10))
    elif cls == "incised":
        for _ in range(rng.randint(25, 50)):
            x, y = cx + rng.uniform(-r, r), cy + rng.uniform(-r, r)
            s = r / 30
            d.ellipse([x - s, y - s, x + s, y + s], fill=(70, 55, 40))
    im.paste(layer, (0, 0), mask.filter(ImageFilter.GaussianBlur(1)))
    light = rng.uniform(0.8, 1.15)
    return Image.fromarray(np.clip(np.asarray(im, dtype=np.float32) * light, 0, 255).astype(np.uint8))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--width", type=int, default=800)
    ap.add_argument("--height", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="processes (bench/gpu/run.sh: one per core)")
    a = ap.parse_args()
    for cls in CLASSES:
        os.makedirs(os.path.join(a.out, cls), exist_ok=True)
    if a.jobs > 1:
        photos = [(a, cls, i) for cls in CLASSES for i in range(a.per_class)]
        with multiprocessing.Pool(a.jobs) as pool:
            pool.map(write_own_stream_photo, photos, chunksize=8)
        return
    rng = random.Random(a.seed)
    for cls in CLASSES:
        for i in range(a.per_class):
            write_photo(a, cls, i, rng)


def write_photo(a, cls, i, rng):
    w, h = (a.width, a.height) if rng.random() < 0.5 else (a.height, a.width)
    sherd(cls, w, h, rng).save(os.path.join(a.out, cls, f"{cls}_{i:04d}.jpg"), quality=90)


def write_own_stream_photo(job):
    a, cls, i = job
    write_photo(a, cls, i, random.Random(f"{a.seed}/{cls}/{i}"))


if __name__ == "__main__":
    main()
