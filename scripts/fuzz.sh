#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, one after another, then prints a
# table of what each run did and writes it to FUZZ_RESULTS (default fuzz/RESULTS.md). Exits
# non-zero if any target crashed; the crashing input is in fuzz/artifacts/<target>/ and the log
# in fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
# CI's short runs write elsewhere, so they never replace the figures committed from a long run.
FUZZ_RESULTS=${FUZZ_RESULTS:-fuzz/RESULTS.md}
CARGO_FUZZ_VERSION=0.13.2
TARGETS=(responses image_body error_body webhook query mock_multipart)
# The targets are safe Rust: ASan would only halve the executions. Debug assertions turn on
# overflow checks, which are crashes worth finding.
BUILD_FLAGS=(--sanitizer none --debug-assertions)

if [[ "$(cargo fuzz --version 2>/dev/null)" != *" $CARGO_FUZZ_VERSION"* ]]; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
python3 fuzz/seed.py
cargo +nightly fuzz build "${BUILD_FLAGS[@]}"

mkdir -p fuzz/logs
rows=()
failed=()
for target in "${TARGETS[@]}"; do
    log="fuzz/logs/$target.log"
    args=(-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10)
    args+=(-dict="$PWD/fuzz/dicts/$target.dict")
    # Error bodies are cut at 8 KiB: inputs must be able to reach past that.
    [[ $target == error_body ]] && args+=(-max_len=16384)
    echo "== $target: ${FUZZ_SECONDS}s"
    start=$(date +%s)
    if cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$target" "$PWD/fuzz/corpus/$target" \
        -- "${args[@]}" >"$log" 2>&1; then
        crashes=0
    else
        crashes=$(grep -c 'Test unit written to' "$log" || true)
        [[ $crashes == 0 ]] && crashes="failed (see log)"
        failed+=("$target")
        grep -m1 -A3 -E 'panicked at|ERROR: libFuzzer' "$log" || tail -n 5 "$log"
    fi
    # libFuzzer's own count leaves out the build that `fuzz run` may redo after a source change.
    seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    seconds=${seconds:-$(($(date +%s) - start))}
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    execs=${execs:-0}
    # The last status line (DONE, or the one before a crash) holds the final coverage.
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    rows+=("| $target | $seconds | $execs | $((execs / (seconds > 0 ? seconds : 1))) | ${cov:-?} | ${ft:-?} | $crashes |")
done

table=$(
    echo "| target | seconds | executions | exec/s | cov | ft | crashes |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
)
{
    echo "# Fuzzing results"
    echo
    echo "\`FUZZ_SECONDS=$FUZZ_SECONDS make fuzz\` on $(date -u +%Y-%m-%dT%H:%MZ), commit" \
        "$(git rev-parse --short HEAD), $(nproc) cores, cargo-fuzz $CARGO_FUZZ_VERSION," \
        "$(rustc +nightly --version)."
    echo "Each target: \`cargo +nightly fuzz run ${BUILD_FLAGS[*]} <target> fuzz/corpus/<target>" \
        "-- ${args[*]:0:4} -dict=fuzz/dicts/<target>.dict\` (error_body also -max_len=16384)."
    echo "cov and ft are libFuzzer's covered edges and features at the end of the run."
    echo
    echo "$table"
} >"$FUZZ_RESULTS"
echo
echo "$table"
if ((${#failed[@]})); then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/logs/)" >&2
    exit 1
fi
