#!/usr/bin/env bash
# Runs one fuzz target under AFL++ for a given time (docs/fuzzing.md).
#   scripts/fuzz.sh packet|ipc [SECONDS]     default 600 seconds
# Installs what it needs: Debian's afl++ (as root) and the SharpFuzz command-line tool (a local dotnet tool, see
# .config/dotnet-tools.json). Builds the harness into fuzz/out/<target>/bin, instruments the Muster assemblies the
# target decodes with, seeds AFL++ from fuzz/corpus/<target> and writes its state to fuzz/out/<target>/afl.
# Crashes land in fuzz/out/<target>/afl/default/crashes; replay one with the uninstrumented build (instrumented
# code only runs under afl-fuzz):
#   dotnet run --project fuzz/Muster.Fuzz -c Release -- replay <target> FILE...
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-}
duration=${2:-600}
case "$target" in
  packet|ipc) ;;
  *) echo "usage: scripts/fuzz.sh packet|ipc [SECONDS]" >&2; exit 2 ;;
esac
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$duration'" >&2
  exit 2
fi

if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++ (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi

echo "== restoring the SharpFuzz command-line tool"
dotnet tool restore >/dev/null

out=fuzz/out/$target
bin=$out/bin
mkdir -p "$out"
echo "== building the harness into $bin"
# A fresh folder every time: SharpFuzz rewrites the assemblies in place and refuses to instrument one twice.
rm -rf "$bin"
dotnet build fuzz/Muster.Fuzz/Muster.Fuzz.csproj -c Release -o "$bin" -nologo -v:q >"$out/build.log" 2>&1 || {
  tail -20 "$out/build.log"; echo "fuzz.sh: build failed" >&2; exit 1; }

echo "== instrumenting"
# Only the code under test: the harness and the targets project stay uninstrumented, so coverage means our code.
for assembly in Muster.Core Muster.Wire Muster.Membership Muster.Ipc.Contracts Muster.Security; do
  dotnet tool run sharpfuzz "$bin/$assembly.dll" >/dev/null
done

# afl-fuzz checks the target for AFL's instrumentation; the dotnet host has none (SharpFuzz's is in the
# assemblies). Crash reports need no core_pattern change, and this machine is shared: no CPU pinning.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1

state=$out/afl
if [ -d "$state/default/queue" ]; then
  # Continue where the last run stopped rather than starting over from the seeds.
  input=(-i -)
else
  input=(-i "fuzz/corpus/$target")
fi

echo "== afl-fuzz on '$target' for $duration s (log: $out/afl.log)"
# -t: a generous per-input timeout in ms, the first inputs also pay for the JIT. -m none: the .NET runtime reserves
# far more address space than afl's default limit allows.
afl-fuzz "${input[@]}" -o "$state" -t 5000 -m none -V "$duration" -- dotnet "$bin/Muster.Fuzz.dll" "$target" \
  >"$out/afl.log" 2>&1 || { tail -30 "$out/afl.log"; echo "fuzz.sh: afl-fuzz failed" >&2; exit 1; }

stats=$state/default/fuzzer_stats
crashes=$(find "$state/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$state/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "== done"
grep -E '^(start_time|last_update|run_time|execs_done|execs_per_sec|corpus_count|corpus_found|saved_crashes|saved_hangs|bitmap_cvg|stability)' "$stats" || true
echo "crash inputs: $crashes, hang inputs: $hangs (in $state/default)"
