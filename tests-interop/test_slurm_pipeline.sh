#!/usr/bin/env bash
# The Slurm recipe on a real one-node Slurm (deploy/slurm/test-local.sh: installs slurm + munge if missing, starts
# the daemons without systemd, runs capture shards -> merge -> sweep -> train through sbatch, checks the merged
# store and the probe against a single-process run bit for bit, stops the daemons by pid). About 35 s.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash deploy/slurm/test-local.sh
