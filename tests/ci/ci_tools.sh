# Sourced by the tests of samples/ci: installs the pipeline tools from npm, pinned, into the
# build folder (never globally; with --ignore-scripts, so no package runs code at install), once
# per version. Where npm is missing or its registry cannot be reached (`npm ping`), the test
# prints why and exits 77, which CTest reports as skipped (SKIP_RETURN_CODE), never as passed;
# an install that fails with the registry reachable fails the test.
#   ci_tools BUILD_DIR     sets CI_TOOLS_BIN to the folder of the tools' commands
GITLAB_CI_LOCAL_VERSION=4.65.1 # the last that runs on Debian 12's and 13's Node.js (20)
ACTION_VALIDATOR_VERSION=0.6.0

ci_tools() {
  local prefix
  prefix="$(cd "$1" && pwd)/ci-tools"
  local stamp="$prefix/installed-$GITLAB_CI_LOCAL_VERSION-$ACTION_VALIDATOR_VERSION"
  CI_TOOLS_BIN="$prefix/node_modules/.bin"
  [[ -f "$stamp" ]] && return 0
  if ! command -v npm >/dev/null; then
    echo "SKIPPED: npm is not installed (Debian package npm), so the pipeline tools cannot be had"
    exit 77
  fi
  if ! timeout 60 npm ping >/dev/null 2>&1; then
    echo "SKIPPED: the npm registry cannot be reached (npm ping failed), so the pipeline tools cannot be had"
    exit 77
  fi
  mkdir -p "$prefix"
  local log="$prefix/npm-install.log"
  if ! timeout 300 npm install --prefix "$prefix" --no-audit --no-fund --ignore-scripts \
      --no-save "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" \
      "@action-validator/cli@$ACTION_VALIDATOR_VERSION" \
      "@action-validator/core@$ACTION_VALIDATOR_VERSION" >"$log" 2>&1; then
    echo "FAILED: npm could not install the pipeline tools:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  touch "$stamp"
}
