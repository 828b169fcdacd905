#!/usr/bin/env bash
# A fuzzing campaign: every libFuzzer target (or the ones named), ONE
# process at a time at nice 19, each for RUNS executions or SECONDS
# seconds, whichever comes first.  New inputs are merged back into
# tests/fuzz/corpus/<target>/ with -merge=1 (only inputs that add coverage
# are kept, so the committed corpus stays small), and one line per target
# is appended to a table (markdown) with executions, exec/s, cov:, ft:,
# corpus size and the outcome.
#
#   tests/fuzz/campaign.sh [-r RUNS] [-t SECONDS] [-o OUT] [-b BINDIR] [-n] [target...]
#     -r RUNS     executions per target (default 10000000)
#     -t SECONDS  time cap per target (default 600)
#     -o OUT      working directory (default build/fuzz/campaign); the table
#                 is OUT/table.md, logs OUT/<target>/log, crashes
#                 OUT/<target>/crash-* (and are never merged into the corpus)
#     -b BINDIR   where the fuzz binaries are (default build/fuzz; copy them
#                 elsewhere to keep rebuilding while a campaign runs)
#     -n          do not merge into tests/fuzz/corpus
#
# Run `make fuzz-build` first.  A crash stops that target (libFuzzer exits)
# and the campaign goes on with the next one; the table says "CRASH" with
# the artifact.  Reproduce with `build/fuzz/<target> OUT/<target>/crash-...`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

RUNS=10000000 SECS=600 OUT=build/fuzz/campaign BIN=build/fuzz MERGE=1
while getopts "r:t:o:b:n" o; do
  case $o in
    r) RUNS=$OPTARG ;; t) SECS=$OPTARG ;; o) OUT=$OPTARG ;; b) BIN=$OPTARG ;; n) MERGE=0 ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

targets=("$@")
if ((${#targets[@]} == 0)); then
  for s in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$s" .c)"); done
fi

mkdir -p "$OUT"
TABLE=$OUT/table.md
if [[ ! -s $TABLE ]]; then
  {
    echo "| target | executions | seconds | exec/s | cov | ft | corpus files (before → after) | new units | result | date |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
  } >"$TABLE"
fi

# stat NAME LOG: one value of libFuzzer's -print_final_stats=1 block.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
# last_status FIELD LOG: the field after "FIELD:" on the last status line ("#N ... cov: X ft: Y ...").
last_status() { grep -E '^#[0-9]+' "$2" | tail -n 1 | sed -n "s/.* $1: \([0-9]*\).*/\1/p"; }
nfiles() { find "$1" -type f 2>/dev/null | wc -l; }

for t in "${targets[@]}"; do
  bin=$BIN/$t corpus=tests/fuzz/corpus/$t dir=$OUT/$t
  if [[ ! -x $bin ]]; then echo "campaign: $bin missing (make fuzz-build)" >&2; continue; fi
  mkdir -p "$dir/work" "$corpus"
  before=$(nfiles "$corpus")
  echo "== $t: up to $RUNS runs / ${SECS}s ($(date -u +%H:%M:%S))"
  start=$(date +%s)
  nice -n 19 "$bin" -runs="$RUNS" -max_total_time="$SECS" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/work" "$corpus" >"$dir/log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  execs=$(stat number_of_executed_units "$dir/log")
  eps=$(stat average_exec_per_sec "$dir/log")
  newu=$(stat new_units_added "$dir/log")
  cov=$(last_status cov "$dir/log") ft=$(last_status ft "$dir/log")
  # libFuzzer rounds down to whole seconds (0 for a run under one second)
  [[ ${eps:-0} == 0 && -n ${execs:-} ]] && eps=$((execs / (secs > 0 ? secs : 1)))
  result=ok
  if ((rc != 0)); then
    art=$(ls -t "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | head -n 1)
    result="CRASH rc=$rc ${art:-no artifact}"
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehavior)|runtime error:' "$dir/log" >"$dir/why" || true
  fi
  if ((MERGE)); then
    # Additive merge: the committed seeds stay, only inputs with new features join.
    nice -n 19 "$bin" -merge=1 -timeout=25 "$corpus" "$dir/work" >"$dir/merge.log" 2>&1 ||
      echo "campaign: merge of $t failed (see $dir/merge.log)" >&2
  fi
  after=$(nfiles "$corpus")
  printf '| %s | %s | %s | %s | %s | %s | %s → %s | %s | %s | %s |\n' "$t" "${execs:-?}" "$secs" \
    "${eps:-?}" "${cov:-?}" "${ft:-?}" "$before" "$after" "${newu:-?}" "$result" "$(date -u +%F)" >>"$TABLE"
  tail -n 1 "$TABLE"
done
echo "corpus total: $(du -sh --apparent-size tests/fuzz/corpus | cut -f1) (keep it under 2 MB)"
