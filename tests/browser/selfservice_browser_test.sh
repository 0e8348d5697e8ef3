#!/usr/bin/env bash
# A self-service migration in Debian's chromium (tests/browser/selfservice.mjs, puppeteer-core
# from npm, installed into the build folder by browser_tools.sh): `mailsync invite` mails m37's
# owner a link through the fixture's submission service, `mailsync serve` serves it, the owner
# types a wrong then the right password, the migration runs to COMPLETED, and the
# administrator's page lists it. Then the destination holds what the source holds (content,
# flags, dates), and the owner's password is nowhere: not in the folder's files (state, keys,
# logs), serve's output, the relayed mail or serve's command line and environment. Screenshots
# go to BUILD_DIR/browser-screenshots. Needs the Dovecot fixtures ($MAILSYNC_MAIL_FIXTURE and
# its -destination), and runs as root, as they do (doveadm reads the mailboxes).
#   selfservice_browser_test.sh BUILD_DIR SOURCE_DIR MAILSYNC_BINARY
set -euo pipefail
build="$(cd "$1" && pwd)"
source_dir="$2"
mailsync="$3"
here="$source_dir/tests/browser"
# shellcheck source=tests/browser/browser_tools.sh
source "$here/browser_tools.sh"
browser_tools "$build"

fixture="${MAILSYNC_MAIL_FIXTURE:?MAILSYNC_MAIL_FIXTURE is not set: run this through ctest, which starts tests/fixtures/mail-server}"
destination="$fixture-destination"
for dir in "$fixture" "$destination"; do
  [[ -f "$dir/ports.env" ]] || { echo "FAILED: the mail fixture is not running (no $dir/ports.env)" >&2; exit 1; }
done
# A value of a fixture's ports.env.
# shellcheck disable=SC1091
fixture_value() { (source "$1/ports.env" && printf '%s' "${!2}"); }

user=m37@example.test
owner=owner37@example.test
owner_password=m37-password # the source's; the destination takes the shared magic password

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsync-browser-XXXXXX")"
serve_pid=""
# Whether a process runs (a child that ended and is not reaped yet does not).
running() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z* ]]
}
cleanup() {
  local status=$?
  if [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; then
    # serve stops on SIGTERM; one that does not within 10 s fails the test and is killed.
    for _ in $(seq 100); do
      running "$serve_pid" || break
      sleep 0.1
    done
    if running "$serve_pid"; then
      kill -9 "$serve_pid" 2>/dev/null || true
      echo "FAILED: mailsync serve did not stop within 10 s of SIGTERM" >&2
      ((status != 0)) || status=1
    fi
  fi
  if ((status == 0)); then
    rm -rf "$work"
  else
    echo "(the test's folder is kept: $work)" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# The mailbox, emptied on both servers (a second run on the same fixture starts afresh), and the
# source filled.
doveadm_of() { local dir="$1"; shift; doveadm -c "$dir/dovecot.conf" "$@"; }
empty_mailbox() {
  doveadm_of "$1" expunge -u "$user" mailbox '*' all
  local folder
  doveadm_of "$1" mailbox list -u "$user" | sort -r | while read -r folder; do
    [[ "$folder" == INBOX || "$folder" == Archive ]] || doveadm_of "$1" mailbox delete -u "$user" "$folder"
  done
}
empty_mailbox "$fixture"
empty_mailbox "$destination"
echo "$owner_password" | python3 "$here/mailbox.py" fill "$(fixture_value "$fixture" IMAPS_PORT)" \
  "$(fixture_value "$fixture" CA_FILE)" "$user"

# The configuration: an SmtpConnection to the submission service and m37's migration.
ca_file="$(fixture_value "$fixture" CA_FILE)"
mkdir -p "$work/config"
cat >"$work/config/m37.yaml" <<YAML
apiVersion: mailsync/v1
kind: SmtpConnection
metadata:
  name: out
spec:
  fromAddress: alice@example.test
  encryption: starttls
  host: localhost
  port: $(fixture_value "$fixture" SUBMISSION_PORT)
  username: alice@example.test
  auth: { password: "\${env:ALICE_PASSWORD}" }
  tls: { caFile: $ca_file }
---
apiVersion: mailsync/v1
kind: MailboxMigration
metadata:
  name: m37
spec:
  source:
    host: localhost
    port: $(fixture_value "$fixture" IMAPS_PORT)
    username: $user
    auth:
      selfService: { email: $owner, expires: 2d }
    tls: { caFile: $ca_file }
  destination:
    host: localhost
    port: $(fixture_value "$destination" IMAPS_PORT)
    username: $user
    auth: { admin: { password: "\${env:MAGIC_PASSWORD}" } }
    tls: { caFile: $(fixture_value "$destination" CA_FILE) }
YAML
# What invite and serve run with: secrets of the configuration, and the fixture's hosts and CA.
run_env=(
  ALICE_PASSWORD=alice-password MAGIC_PASSWORD=magic-password
  "MAILSYNC_ALLOWED_HOSTS=127.0.0.1,localhost"
  MAILSYNC_ALLOWED_PATHS="$fixture:$destination"
)
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.token"
chmod 600 "$work/admin.token"
# The README's self-service commands as written ("Self-service migration"), with this test's
# key files and URL: the keys from the environment, the state below config/.
run_env+=(
  MAILSYNC_INVITE_KEY_FILE="$work/invite.key"
  MAILSYNC_CREDENTIAL_KEY_FILE="$work/credential.key"
  MAILSYNC_ADMIN_TOKEN_FILE="$work/admin.token"
)

# The invitation, through Dovecot's submission service to the relay sink.
relayed="$(fixture_value "$fixture" RELAYED_DIR)"
(cd "$work" && env "${run_env[@]}" "$mailsync" invite --base-url "$base" config/) \
  >"$work/invite.out" 2>&1 || { cat "$work/invite.out" >&2; fail "mailsync invite"; }
echo "invite: $(head -1 "$work/invite.out")"
mail="$(grep -lF $'\r\nTo: '"$owner"$'\r\n' "$relayed"/*.eml | sort | tail -1)"
[[ -n "$mail" ]] || fail "no message to $owner in $relayed"
link="$(grep -oE "$base/m/[A-Za-z0-9_.-]+" "$mail" | head -1)"
[[ -n "$link" ]] || fail "no link $base/m/... in $mail"
echo "invite: the link reached $owner ($(basename "$mail"))"

# serve, in the background until the test ends.
(cd "$work" && exec env "${run_env[@]}" "$mailsync" serve --listen "127.0.0.1:$port" \
  --public-url "$base" config/) \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 300); do
  grep -q "serving on" "$work/serve.out" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.out" "$work/serve.err" >&2; fail "mailsync serve exited"; }
  sleep 0.1
done
grep -q "serving on $base" "$work/serve.out" ||
  { cat "$work/serve.out" "$work/serve.err" >&2; fail "mailsync serve did not say 'serving on $base' within 30 s"; }
echo "serve: $(head -1 "$work/serve.out")"

# The browser.
rm -rf "$build/browser-screenshots"
OWNER_PASSWORD="$owner_password" timeout 300 node "$here/selfservice.mjs" "$BROWSER_TOOLS_MODULES" \
  "$CHROMIUM" "$link" "$work/admin.token" "$build/browser-screenshots" ||
  { echo "--- serve's output:" >&2; cat "$work/serve.out" "$work/serve.err" >&2; fail "the browser's scenario"; }
kill -0 "$serve_pid" 2>/dev/null || fail "mailsync serve exited during the scenario"
echo "screenshots: $build/browser-screenshots"

# The destination holds what the source holds: every message, its folder, flags and date.
fetched() {
  doveadm_of "$1" fetch -u "$user" 'mailbox flags date.received text' ALL |
    python3 "$here/mailbox.py" normalise "$2"
}
fetched "$fixture" / >"$work/source.txt"
fetched "$destination" . >"$work/destination.txt"
[[ "$(wc -l <"$work/source.txt")" == 3 ]] || fail "the source does not hold the 3 messages filled in: $(cat "$work/source.txt")"
diff -u "$work/source.txt" "$work/destination.txt" >&2 ||
  fail "the destination differs from the source (above: - source, + destination)"
echo "destination: the 3 messages, with their folders, flags and dates, as at the source"
(cd "$work" && env "${run_env[@]}" "$mailsync" status config/) >"$work/status.out" 2>&1 || true
grep -qE "COMPLETED +m37 " "$work/status.out" ||
  { cat "$work/status.out" >&2; fail "mailsync status does not show m37 COMPLETED"; }
echo "status: $(grep -E "COMPLETED +m37 " "$work/status.out" | sed 's/  */ /g')"

# The owner's password is nowhere it could be read back.
found="$(grep -rlaF -- "$owner_password" "$work" "$relayed" || true)"
[[ -z "$found" ]] || fail "the owner's password is in: $found"
for part in cmdline environ; do
  if tr '\0' '\n' <"/proc/$serve_pid/$part" | grep -qF -- "$owner_password"; then
    fail "the owner's password is in /proc/<serve>/$part"
  fi
done
echo "the owner's password is in no file of the test ($(find "$work" -type f | wc -l) files:" \
  "state, keys, serve's output), no relayed mail, and not in serve's command line or environment"
