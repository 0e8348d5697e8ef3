#!/usr/bin/env bash
# scripts/bootstrap on a fresh clone says what it does on stderr, with the build's own progress,
# and leaves stdout alone; a second run with nothing to do says nothing. cmake is a stand-in
# here (the real build is what every other test runs on), and every package is installed.
#   bootstrap_test.sh SOURCE_DIR
set -euo pipefail
source_dir="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

mkdir -p "$work/bin"
cat >"$work/bin/cmake" <<'FAKE'
#!/usr/bin/env bash
# A stand-in for cmake: configuring writes build.ninja; building prints ninja-like progress
# and records that it built; a dry run (-- -n) lists steps only until the first build.
log="$FAKE_BUILD_LOG"
if [[ "$1" == -S ]]; then
  touch "$4/build.ninja"
  exit 0
fi
if [[ "$*" == *" -- -n"* ]]; then
  [[ -e "$2/built" ]] || printf '[1/2] Building CXX object main.cpp.o\n[2/2] Linking CXX executable mailsync\n'
  [[ -e "$2/built" ]] && printf '[0/2] Re-checking globbed directories...\nninja: no work to do.\n'
  exit 0
fi
echo "build $*" >>"$log"
if [[ -e "$2/built" ]]; then
  echo "ninja: no work to do."
else
  printf '[1/2] Building CXX object main.cpp.o\n[2/2] Linking CXX executable mailsync\n'
  touch "$2/built"
fi
FAKE
chmod +x "$work/bin/cmake"
export PATH="$work/bin:$PATH" FAKE_BUILD_LOG="$work/build.log" BUILD_DIR="$work/build"
mkdir -p "$work/build"
rm -f "$work/build/build.ninja"

"$source_dir/scripts/bootstrap" >"$work/out" 2>"$work/err" || fail "bootstrap failed: $(cat "$work/err")"
cat "$work/err"
[[ ! -s "$work/out" ]] || fail "bootstrap wrote to stdout: $(cat "$work/out")"
grep -q "^bootstrap: configuring the build in $work/build" "$work/err" || fail "no configuring line"
grep -q "^bootstrap: building mailsync and its tests" "$work/err" || fail "no building line"
grep -q '^\[2/2\] Linking CXX executable mailsync' "$work/err" || fail "the build's progress is not shown"
grep -q "^bootstrap: built $work/build/mailsync" "$work/err" || fail "no built line"

# Nothing to do: silent.
"$source_dir/scripts/bootstrap" >"$work/out" 2>"$work/err" || fail "second bootstrap failed"
[[ ! -s "$work/out" && ! -s "$work/err" ]] || fail "a bootstrap with nothing to do said: $(cat "$work/out" "$work/err")"

# Sources changed: says so, with the progress.
rm "$work/build/built"
"$source_dir/scripts/bootstrap" >"$work/out" 2>"$work/err" || fail "third bootstrap failed"
grep -q "^bootstrap: sources changed; rebuilding (2 steps)" "$work/err" || fail "no rebuilding line: $(cat "$work/err")"
grep -q '^\[1/2\]' "$work/err" || fail "the rebuild's progress is not shown"
[[ ! -s "$work/out" ]] || fail "a rebuild wrote to stdout"
echo "bootstrap: progress on stderr, silent when there is nothing to do"
