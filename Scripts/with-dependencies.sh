#!/usr/bin/env bash
# Installs what a fresh Debian machine with only the Swift toolchain lacks (redis-server, libhiredis-dev,
# libjemalloc-dev), quickly skipped when present, then runs the command given:
# `bash Scripts/with-dependencies.sh swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
[ -f /usr/include/jemalloc/jemalloc.h ] || missing+=(libjemalloc-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing: ${missing[*]} (Redis 7.0+, hiredis 0.14+ and jemalloc 5 headers); this machine has no apt-get:" >&2
        echo "install them with your package manager, then run: $*" >&2
        exit 1
    fi
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "installing ${missing[*]} needs root (or sudo)" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing[@]}" || { $sudo apt-get update -q && $sudo apt-get install -y -q "${missing[@]}"; }
fi

# The suite starts many workers, each holding a blocking Redis connection (and its thread) per stream partition:
# run at most 12 tests at once, so that thousands of threads do not starve the ones doing the work on a small
# machine (2 cores: the unbounded run failed its timeouts under load). Set it yourself to change it.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-12}"

exec "$@"
