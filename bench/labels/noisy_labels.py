#!/usr/bin/env python3
"""How well `tessera-cli check-labels` finds labels that are known to be wrong (issue 14).

For each noise rate and seed: a share of the project's labelled photos gets a different class, chosen at random;
check-labels runs on the project; the flagged list is compared with the flipped photos (precision = flagged photos
that were flipped / flagged, recall = flipped photos that were flagged). The project's own labels are restored
afterwards, whatever happens. Prints one line per run and the median per noise rate.

  bench/labels/noisy_labels.py --cli build/app/cli/tessera-cli --project DIR --weights MODEL \
      [--projects-dir D] [--noise 0.05 0.1 0.2] [--seeds 1 2 3] [--size 0]

MODEL gives the features (a bundle trained in the project, or a weights file). A bundle trained on the clean
labels has seen the true classes: that is the situation of a user who checks labels after a first training, and it
is optimistic compared with a model trained on the noisy labels themselves (--retrain trains one per run first).
"""
import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile


def cli(args, base, check=True):
    r = subprocess.run(base + args, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def read_labels(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(row["file"], row["label"]) for row in csv.DictReader(f) if row["label"]]


def write_labels(path, labels):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "label"])
        w.writerows(labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--projects-dir")
    ap.add_argument("--noise", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--retrain", nargs=argparse.REMAINDER,
                    help="train on the noisy labels first with these train options; features from that run")
    a = ap.parse_args()
    base = [a.cli] + (["--projects-dir", a.projects_dir] if a.projects_dir else [])
    work = tempfile.mkdtemp(prefix="tessera-noisy-")
    original_csv = os.path.join(work, "original.csv")
    cli(["export-csv", a.project, original_csv], base)
    original = read_labels(original_csv)
    classes = sorted({label for _, label in original})
    results = {}
    try:
        for noise in a.noise:
            for seed in a.seeds:
                rng = random.Random(seed * 1000 + int(noise * 100))
                flipped = set(rng.sample(range(len(original)), round(noise * len(original))))
                noisy = [(f, rng.choice([c for c in classes if c != label]) if i in flipped else label)
                         for i, (f, label) in enumerate(original)]
                noisy_csv = os.path.join(work, "noisy.csv")
                write_labels(noisy_csv, noisy)
                cli(["import-csv", a.project, noisy_csv], base)
                weights = a.weights
                if a.retrain is not None:
                    run = f"noisy-{noise}-{seed}"
                    cli(["train", a.project, "--quiet", "--seed", str(seed), "--run-name", run] + a.retrain, base)
                    found = [os.path.join(dp, "model.tessera-model") for dp, _, fs in os.walk(
                        a.projects_dir or a.project) if dp.endswith(os.sep + run) and "model.tessera-model" in fs]
                    weights = found[0]
                out = os.path.join(work, "flagged.csv")
                cli(["check-labels", a.project, "--weights", weights, "--out", out, "--quiet", "--list", "0"]
                    + (["--size", str(a.size)] if a.size else []), base)
                with open(out, newline="", encoding="utf-8") as f:
                    ranked = [row["file"] for row in csv.DictReader(f)]  # most suspect first
                flagged = set(ranked)
                truth = {original[i][0] for i in flipped}
                hit = len(flagged & truth)
                precision = hit / len(flagged) if flagged else 0.0
                recall = hit / len(truth) if truth else 0.0
                # What a person checking the list from the top finds: of the first len(truth) flagged, how many
                # were flipped.
                top = ranked[:len(truth)]
                at_k = len(set(top) & truth) / len(top) if top else 0.0
                results.setdefault(noise, []).append((precision, recall, at_k))
                print(f"noise {noise:.2f} seed {seed}: {len(truth)} flipped, {len(flagged)} flagged, "
                      f"precision {precision:.3f} recall {recall:.3f}, precision of the top {len(top)} {at_k:.3f}",
                      flush=True)
    finally:
        cli(["import-csv", a.project, original_csv], base, check=False)
    for noise, runs in sorted(results.items()):
        median = [statistics.median(run[i] for run in runs) for i in range(3)]
        print(f"noise {noise:.2f}: median precision {median[0]:.3f}, median recall {median[1]:.3f}, "
              f"median precision of the top flagged {median[2]:.3f} over {len(runs)} seeds")


if __name__ == "__main__":
    main()
