#!/bin/bash
# Slurm job array: each array task runs one shard of the sweep into the same
# directory. socap reads the shard from SLURM_ARRAY_TASK_ID, _MIN and _COUNT,
# so --array=0-15 and --array=1-16 both give shards 1/16 .. 16/16.
# Resubmitting the same script after a timeout completes the missing tasks
# (--resume); nothing finished is recomputed. Then merge once:
#   sbatch scripts/sbatch_array.sh
#   sbatch --dependency=afterany:JOBID --wrap "socap merge results/ -o all.h5"
#
#SBATCH --job-name=socap-sweep
#SBATCH --array=1-16
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=logs/%x-%A_%a.log
#SBATCH --signal=TERM@120
# (--signal: Slurm sends SIGTERM 2 minutes before the time limit; socap then
#  stops handing out tasks, saves the batch in progress and exits 1.)
set -euo pipefail
SWEEP=${SWEEP:-configs/sweep_example.yaml}
OUT=${OUT:-results}
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
mkdir -p logs
# --resume is safe on the first run too: it only skips tasks already saved.
srun --cpu-bind=cores socap sweep "$SWEEP" -o "$OUT" --resume --threads "$OMP_NUM_THREADS" \
  --batch-seconds 600
