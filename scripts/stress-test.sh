#!/usr/bin/env bash
# The suite under load: `npm test` RUNS times in a row (default 3) while CPU-bound
# processes, twice as many as the machine has cores, run beside it. A test that only
# passes on a quiet machine fails here. Prints each run's vitest summary lines and
# exits non-zero if any run failed. The load stops when the script ends, however it
# ends.
#
#   scripts/stress-test.sh            # 3 runs
#   RUNS=1 scripts/stress-test.sh     # 1 run
#   npm run test:stress
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-${1:-3}}"
cores="$(nproc)"
loaders=$((cores * 2))
log_dir="$(mktemp -d "${TMPDIR:-/tmp}/stress-test.XXXXXX")"
load_pids=()

stop_load() {
  for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait "${load_pids[@]}" 2>/dev/null
  load_pids=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$loaders"); do
  # A busy loop in a shell of its own: pure CPU, no memory, no I/O.
  bash -c 'while :; do :; done' &
  load_pids+=("$!")
done
echo "stress: ${loaders} CPU-bound processes beside npm test (${cores} cores), ${runs} run(s); logs in ${log_dir}"

failed=0
for run in $(seq "$runs"); do
  log="${log_dir}/run-${run}.log"
  started=$(date +%s)
  NO_COLOR=1 FORCE_COLOR=0 npm test >"$log" 2>&1
  code=$?
  elapsed=$(($(date +%s) - started))
  summary="$(grep -E '^ *(Test Files|Tests) ' "$log" | sed -E 's/^ +//' | paste -sd ';' -)"
  echo "run ${run}/${runs}: exit ${code} in ${elapsed}s: ${summary:-no summary (see ${log})}"
  if [ "$code" -ne 0 ]; then
    failed=$((failed + 1))
    grep -E '^ *(FAIL|×) ' "$log" | head -20
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "stress: ${failed} of ${runs} run(s) failed; logs in ${log_dir}"
  exit 1
fi
echo "stress: all ${runs} run(s) passed"
