#!/usr/bin/python3
"""Generates photo-like test JPEGs for the prediction benchmark: smooth random colour fields (what a camera sees
at low frequency) plus fine grain (what makes JPEG decoding work hard), 4000x3000 by default, quality 90.

usage: make_big_jpegs.py OUTDIR [--count 200] [--width 4000] [--height 3000] [--jobs 1]
With --jobs N > 1 each photo is drawn in one of N processes from a stream of its own (other photos than --jobs 1).
"""
import argparse
import multiprocessing
import os

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--width", type=int, default=4000)
    ap.add_argument("--height", type=int, default=3000)
    ap.add_argument("--jobs", type=int, default=1, help="processes (bench/gpu/run.sh: one per core)")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    if a.jobs > 1:
        with multiprocessing.Pool(a.jobs) as pool:
            pool.map(write_own_stream_photo, [(a, i) for i in range(a.count)])
    else:
        rng = np.random.default_rng(1)
        for i in range(a.count):
            write_photo(a, i, rng)
    print("%d JPEGs in %s" % (a.count, a.outdir))


def write_photo(a, i, rng):
    path = os.path.join(a.outdir, "photo_%04d.jpg" % i)
    if os.path.exists(path):
        return
    small = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    base = np.asarray(small.resize((a.width, a.height), Image.BICUBIC), dtype=np.int16)
    grain = rng.integers(-12, 13, (a.height, a.width, 1), dtype=np.int16)
    img = np.clip(base + grain, 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path, quality=90)


def write_own_stream_photo(job):
    a, i = job
    write_photo(a, i, np.random.default_rng([1, i]))


if __name__ == "__main__":
    main()
