#!/usr/bin/env bash
# A production-shaped fleet on one machine: one process per role of the trip-booking example, on a local
# redis-server configured like production (Deploy/redis.conf: AOF, noeviction), then a client booking trips.
# Every worker drains its in-flight work and exits on SIGTERM (Ctrl-C stops the whole fleet). Each worker
# serves its metrics on its own loopback port, from METRICS_PORT (default 9464) up: `curl 127.0.0.1:9464/metrics`
# (Prometheus text format), `curl 127.0.0.1:9464/health`.
#
#   Deploy/local-fleet.sh [trips]          # REDIS_URL=redis://... to use your Redis instead
set -euo pipefail
cd "$(dirname "$0")/.."
trips="${1:-20}"
work="$(mktemp -d -t infinitic-fleet-XXXXXX)"
pids=()

stop() {
    echo "stopping the fleet (SIGTERM: each worker drains, then exits)"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${redis_pid:-}" ]; then kill -TERM "$redis_pid" 2>/dev/null || true; fi
    echo "logs in $work"
}
trap stop EXIT

swift build --product trip-booking >/dev/null
bin="$(swift build --show-bin-path)/trip-booking"

if [ -z "${REDIS_URL:-}" ]; then
    port=$((20000 + RANDOM % 20000))
    redis-server Deploy/redis.conf --port "$port" --dir "$work" --daemonize no --logfile "$work/redis.log" &
    redis_pid=$!
    export REDIS_URL="redis://127.0.0.1:$port"
    until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
    echo "redis-server on $REDIS_URL (data in $work)"
fi

roles=(
    service-executor:HotelService service-executor:FlightService service-executor:PaymentService
    service-tag-engine:HotelService service-tag-engine:FlightService service-tag-engine:PaymentService
    workflow-executor:BookTrip workflow-state-engine:BookTrip workflow-tag-engine:BookTrip
)
metrics_port="${METRICS_PORT:-9464}"
for role in "${roles[@]}"; do
    "$bin" worker --config Deploy/worker.yml --role "$role" \
        --metrics-host 127.0.0.1 --metrics-port "$metrics_port" >"$work/${role//:/-}.log" 2>&1 &
    pids+=($!)
    echo "started $role (pid $!, metrics on http://127.0.0.1:$metrics_port/metrics)"
    metrics_port=$((metrics_port + 1))
done

"$bin" book --trips "$trips"
