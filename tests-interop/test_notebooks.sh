#!/usr/bin/env bash
# Runs every walk-through in notebooks-md/ against the real default model and checks the outputs they show.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 tests-interop/run_notebooks.py
