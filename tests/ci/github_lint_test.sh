#!/usr/bin/env bash
# samples/ci/github-actions.yml and migration-workers-matrix.yml against GitHub's workflow schema, with @action-validator/cli
# from npm (installed into the build folder by ci_tools.sh); a file that breaks the schema is
# refused, so the check is not vacuous.
#   github_lint_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source_dir="$2"
source "$source_dir/tests/ci/ci_tools.sh"
ci_tools "$build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for workflow in github-actions.yml migration-workers-matrix.yml; do
  sample="$source_dir/samples/ci/$workflow"
  "$CI_TOOLS_BIN/action-validator" "$sample" >"$work/out" 2>&1 || { cat "$work/out" >&2; echo "FAILED: $sample" >&2; exit 1; }
  echo "action-validator $ACTION_VALIDATOR_VERSION: $sample is a valid workflow"
done
sample="$source_dir/samples/ci/github-actions.yml"

sed 's/^    runs-on: /    runs-onn: /' "$sample" >"$work/broken.yml"
if "$CI_TOOLS_BIN/action-validator" "$work/broken.yml" >"$work/out" 2>&1; then
  echo "FAILED: action-validator accepted a workflow with 'runs-onn'" >&2
  exit 1
fi
echo "action-validator refuses a broken copy"
