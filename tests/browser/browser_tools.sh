# shellcheck shell=bash disable=SC2034  # sets variables for the test that sources it
# Sourced by the browser tests: installs puppeteer-core from npm, pinned, into the build folder
# (never globally; with --ignore-scripts and PUPPETEER_SKIP_DOWNLOAD, so no package runs code at
# install and no browser is downloaded), once per version, and finds Debian's chromium,
# installing it with apt-get where it is missing. Where npm, its registry or chromium cannot be
# had, the test prints why and exits 77, which CTest reports as skipped (SKIP_RETURN_CODE),
# never as passed; an npm install that fails with the registry reachable fails the test.
#   browser_tools BUILD_DIR   sets BROWSER_TOOLS_MODULES (node_modules with puppeteer-core) and
#                             CHROMIUM (the browser's path)
PUPPETEER_CORE_VERSION=24.43.1 # the last whose engines allow Debian 12's and 13's Node.js (20)

browser_tools() {
  browser_tools_chromium
  browser_tools_puppeteer "$1"
}

browser_tools_chromium() {
  CHROMIUM=/usr/bin/chromium
  [[ -x "$CHROMIUM" ]] && return 0
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      echo "SKIPPED: Debian's chromium is not installed and cannot be without a password" \
        "(not root, no password-less sudo); scripts/bootstrap installs it"
      exit 77
    fi
    sudo=(sudo -n)
  fi
  if ! command -v apt-get >/dev/null; then
    echo "SKIPPED: chromium is not installed and there is no apt-get to install it with"
    exit 77
  fi
  echo "browser_tools: installing Debian's chromium (apt-get)" >&2
  local log
  log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { timeout 120 "${sudo[@]}" apt-get update -qq &&
    timeout 600 "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1 ||
    [[ ! -x "$CHROMIUM" ]]; then
    echo "SKIPPED: chromium could not be installed with apt-get:"
    tail -5 "$log"
    rm -f "$log"
    exit 77
  fi
  rm -f "$log"
}

browser_tools_puppeteer() {
  local prefix
  prefix="$(cd "$1" && pwd)/browser-tools"
  local stamp="$prefix/installed-puppeteer-core-$PUPPETEER_CORE_VERSION"
  BROWSER_TOOLS_MODULES="$prefix/node_modules"
  [[ -f "$stamp" ]] && return 0
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "SKIPPED: npm or node is not installed (Debian package npm), so puppeteer-core cannot be had"
    exit 77
  fi
  if ! timeout 60 npm ping >/dev/null 2>&1; then
    echo "SKIPPED: the npm registry cannot be reached (npm ping failed), so puppeteer-core cannot be had"
    exit 77
  fi
  mkdir -p "$prefix"
  local log="$prefix/npm-install.log"
  if ! PUPPETEER_SKIP_DOWNLOAD=1 timeout 300 npm install --prefix "$prefix" --no-audit --no-fund \
      --ignore-scripts --no-save "puppeteer-core@$PUPPETEER_CORE_VERSION" >"$log" 2>&1; then
    echo "FAILED: npm could not install puppeteer-core:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  touch "$stamp"
}
