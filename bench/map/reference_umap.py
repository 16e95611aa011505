#!/usr/bin/env python3
"""The reference for Tessera's collection map: umap-learn on the same feature file, same parameters
(n_neighbors 15, min_dist 0.1, Euclidean). Times each run and writes the first layout for bench_map's score mode.

    reference_umap.py FEATURES.f32 DIM RUNS LAYOUT_OUT.f32

Run r uses random_state=r, which makes umap-learn single-threaded and reproducible, as Tessera's layout is. The
first run includes numba's compilation: both it and the median of the later runs are printed (JSON). Needs umap-learn
(bench/map/run_benchmark.sh installs it into a throwaway virtual environment: not a dependency of Tessera).
"""
import json
import statistics
import sys
import time

import numpy as np
import umap


def main():
    path, dim, runs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = np.fromfile(path, dtype="<f4").reshape(-1, dim)
    seconds = []
    for r in range(1, runs + 1):
        t0 = time.perf_counter()
        y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=r).fit_transform(x)
        seconds.append(time.perf_counter() - t0)
        if r == 1:
            y.astype("<f4").tofile(out)
    later = seconds[1:] or seconds
    print(json.dumps({"rows": x.shape[0], "dim": dim, "umap_learn": umap.__version__ if hasattr(umap, "__version__")
                      else "?", "seconds": [round(s, 2) for s in seconds],
                      "first_seconds_with_compilation": round(seconds[0], 2),
                      "median_seconds_after_first": round(statistics.median(later), 2)}))


if __name__ == "__main__":
    main()
