# Shared by the jobs tests: a loopback receiver (tests/jobs/receiver.py) and
# checks. Callers set HERE, RPORT, tmp and pids=() before sourcing.
# shellcheck shell=bash
# receiver PLAN MAX_REQUESTS [MAX_SECONDS]: start one, wait until it listens.
receiver() {
  python3 "$HERE/receiver.py" "$RPORT" "$tmp/requests.jsonl" "$1" "$2" "${3:-90}" & pids+=($!)
  for _ in $(seq 1 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT), 0.2)" 2>/dev/null && return
    sleep 0.1
  done
  echo "receiver did not start"; exit 1
}
stop_receiver() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
fail=0
# check NAME EXPECTED ACTUAL
check() { if [ "$3" = "$2" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; fail=1; fi; }
