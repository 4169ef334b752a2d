#!/usr/bin/env bash
# Catalog and graph benchmark: snapshot load, closure and load order on a synthetic catalog of
# 20,000 tables and 60,000 foreign keys, each figure beside a raw baseline from the same run.
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(rustc --version)"
cargo bench --bench graph
