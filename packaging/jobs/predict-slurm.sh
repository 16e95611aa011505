#!/bin/bash
# Classify a large photo collection on a Slurm cluster: an array job runs one `tessera-cli predict --shard k/n`
# per task, then a dependent job merges the shards into the file a single run would have written.
#
#   sbatch packaging/jobs/predict-slurm.sh            # submits the array; the script submits the merge itself
#
# Every task sees the same inputs and sorts them the same way, so shard k/n is well defined without coordination:
# it takes the photos at sorted positions i with i % n == k - 1. A task that is killed (pre-emption, time limit)
# is simply requeued: predict resumes its own output file, skipping finished photos and repairing a partial last
# record. Each finished shard writes OUT.done; merge refuses to run while any shard is missing or unfinished.
#
#SBATCH --job-name=tessera-predict
#SBATCH --array=1-16                 # n = 16 shards; keep SHARDS below in step
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --requeue                    # pre-empted tasks restart and resume
#SBATCH --output=logs/predict-%A_%a.log
# For GPU nodes add:   #SBATCH --gres=gpu:1     and use DEVICE=cuda
set -euo pipefail

MODEL=${MODEL:-/shared/models/sherds-v3.tessera-model}
INPUT=${INPUT:-/shared/photos/excavation-2024}       # folder(s), @list.txt, or a Tessera project folder
OUTDIR=${OUTDIR:-/shared/predictions/sherds-v3}
SHARDS=${SHARDS:-16}                                  # must equal the --array size
DEVICE=${DEVICE:-auto}
TESSERA=${TESSERA:-tessera-cli}

mkdir -p "$OUTDIR" logs
K=${SLURM_ARRAY_TASK_ID}

# Submit the merge once, from the first task, to run after every task of this array has succeeded. (If task 1
# is requeued it submits a second merge; that one just writes the same file again.)
if [ "$K" = "1" ] && [ -z "${TESSERA_MERGE_SUBMITTED:-}" ]; then
    sbatch --dependency=afterok:${SLURM_ARRAY_JOB_ID} --job-name=tessera-merge --output=logs/merge-%j.log \
        --export=ALL,TESSERA_MERGE_SUBMITTED=1 --wrap \
        "$TESSERA merge $(for i in $(seq 1 "$SHARDS"); do printf '%s ' "$OUTDIR/shard-$i.csv"; done) --out $OUTDIR/predictions.csv"
fi

# One shard; output per task, so tasks never write the same file. Threads follow the allocation.
exec "$TESSERA" predict "$MODEL" "$INPUT" \
    --shard "$K/$SHARDS" \
    --out "$OUTDIR/shard-$K.csv" \
    --device "$DEVICE" --threads "${SLURM_CPUS_PER_TASK:-0}" \
    --top-k 3 --unknown-below 0.5 --quiet
