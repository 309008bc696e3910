#!/bin/bash
# One MPI job: rank 0 hands out tasks on request (dynamic load balancing),
# every other rank runs them with OpenMP threads and writes its own batch
# files. Needs socap built with -DSOCAP_MPI=ON. Resubmit the same script
# after a timeout to complete the missing tasks; then merge:
#   sbatch scripts/sbatch_mpi.sh
#   socap merge results/ -o all.h5
#
#SBATCH --job-name=socap-sweep-mpi
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=logs/%x-%j.log
#SBATCH --signal=TERM@120
set -euo pipefail
SWEEP=${SWEEP:-configs/sweep_example.yaml}
OUT=${OUT:-results}
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
mkdir -p logs
# Rank 0 only schedules (it sleeps between requests); give it the first slot.
srun --cpu-bind=cores socap sweep "$SWEEP" -o "$OUT" --resume --threads "$OMP_NUM_THREADS" \
  --batch-seconds 600
# Without Slurm: mpirun -np 4 socap sweep SWEEP.yaml -o results --resume
