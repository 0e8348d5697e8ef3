#!/usr/bin/env bash
# samples/ci/gitlab-ci.yml, as copied, under gitlab-ci-local (from npm, into the build folder)
# with its shell executor, in a git repository made here: a merge request from a fork, one from
# the project (validate, the plan of both environments as MR notes), the main branch (plan,
# apply to staging, then the manual apply to production) and the scheduled drift check, clean
# and then after a change by hand. Against the https target fixture, which has a token that can
# only read and one that writes, and a PostgreSQL state (the CTest fixture) read by one role and
# written by another. The .deb comes from this build through cpack, checked by its SHA-256; the
# shell executor's apt-get is a stand-in that unpacks it into a folder (nothing is installed on
# this machine). GitLab's notes and issues API is tests/ci/fake_gitlab.py.
#   gitlab_ci_local_test.sh BUILD_DIR SOURCE_DIR TARGET_SERVER CERTS_DIR
set -euo pipefail
build="$1"
source_dir="$2"
target_server="$3"
certs="$4"
source "$source_dir/tests/ci/ci_tools.sh"
ci_tools "$build"
for tool in git rsync psql python3 jq curl cpack; do
  command -v "$tool" >/dev/null || { echo "FAILED: $tool is missing (scripts/bootstrap installs it)" >&2; exit 1; }
done
admin_url="$(cat "${MAILSYNC_POSTGRES_FIXTURE:?run by ctest, with the postgres fixture}/url")"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # GITLAB_CI_LOCAL_OUTPUT=DIR keeps each pipeline's output (NAME.out) for reading afterwards.
  if [[ -n "${GITLAB_CI_LOCAL_OUTPUT:-}" ]]; then
    mkdir -p "$GITLAB_CI_LOCAL_OUTPUT" && cp "$work"/*.out "$GITLAB_CI_LOCAL_OUTPUT"/ 2>/dev/null || true
  fi
  rm -rf "$work" /tmp/gitlab-ci-local-file-variables-mailsync-mailsync-pipelines-*
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
wait_for() { for _ in $(seq 500); do [[ -s "$1" ]] && return 0; sleep 0.02; done; fail "$1 never came"; }

# The made-up secrets; none may appear in any output of the pipelines.
read_token="read-$(openssl rand -hex 12)"
write_token="write-$(openssl rand -hex 12)"
gitlab_token="glpat-$(openssl rand -hex 12)"
support_password="pw-$(openssl rand -hex 12)"
state_key="$(openssl rand -hex 32)"
reader_password="$(openssl rand -hex 12)"
writer_password="$(openssl rand -hex 12)"

# The targets: the Cloud API fixture, one per environment, each with a token per scope.
for env in staging production; do
  "$target_server" --cert "$certs/server.pem" --key "$certs/server.key" --ready "$work/$env.port" \
    --token "$read_token:read,$write_token:write" >"$work/$env-target.log" 2>&1 &
  pids+=($!)
done
python3 "$source_dir/tests/ci/fake_gitlab.py" "$work/gitlab.port" "$gitlab_token" &
pids+=($!)
for file in staging.port production.port gitlab.port; do wait_for "$work/$file"; done
target_of() { echo "https://localhost:$(cat "$work/$1.port")/api/v1"; }
gitlab="http://127.0.0.1:$(cat "$work/gitlab.port")"

# The state: a namespace per environment, two roles as docs/ci.md sets them up.
id="gcl$(openssl rand -hex 4)"
psql "$admin_url" -v ON_ERROR_STOP=1 -q -c "
  CREATE ROLE mailsync_apply_$id LOGIN PASSWORD '$writer_password';
  CREATE ROLE mailsync_plan_$id LOGIN PASSWORD '$reader_password';
  GRANT CREATE ON DATABASE mailsync TO mailsync_apply_$id;
  ALTER DEFAULT PRIVILEGES FOR ROLE mailsync_apply_$id GRANT USAGE ON SCHEMAS TO mailsync_plan_$id;
  ALTER DEFAULT PRIVILEGES FOR ROLE mailsync_apply_$id GRANT SELECT ON TABLES TO mailsync_plan_$id;"
host="${admin_url#*@}"
state_url() { echo "postgres://$1_$id@$host?mailsync_namespace=$2_$id"; }

# The .deb, as scripts/release makes it, and its SHA-256.
(cd "$build" && cpack -G DEB -B "$work/release" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail cpack; }
deb="$(ls "$work"/release/*.deb)"
sha256="$(sha256sum "$deb" | cut -d' ' -f1)"

# apt-get on the runner: `install X.deb` unpacks X into a folder on PATH; the rest is a no-op.
mkdir -p "$work/shim" "$work/root"
cat >"$work/shim/apt-get" <<SHIM
#!/bin/sh
for arg in "\$@"; do
  case "\$arg" in *.deb) dpkg-deb -x "\$arg" "$work/root" ;; esac
done
SHIM
chmod +x "$work/shim/apt-get"
export PATH="$work/shim:$work/root/usr/bin:$PATH"

# The repository: the sample as .gitlab-ci.yml, config/ with two environments.
repo="$work/mailsync-pipelines"
mkdir -p "$repo/config"
cp "$source_dir/samples/ci/gitlab-ci.yml" "$repo/.gitlab-ci.yml"
cp "$source_dir/samples/environments/accounts.yaml" "$repo/config/"
cat >"$repo/config/mailsync.yaml" <<'YAML'
apiVersion: mailsync/v1
kind: Settings
environments:
  staging:
    variables: { IMAP_HOST: imap.staging.example.com, IMAP_PORT: 993, DESK: Staging support desk }
  production:
    variables: { IMAP_HOST: imap.example.com, IMAP_PORT: 993, DESK: Support desk }
YAML
printf '.gitlab-ci-local/\n.gitlab-ci-local-*.yml\n' >"$repo/.gitignore"
# A fork's pipeline runs without the project's CI/CD variables.
: >"$repo/.gitlab-ci-local-fork-variables.yml"
# MAILSYNC_SECRETS of one environment scope: the token and role of the scope.
secrets() { # token role environment password
  cat <<ENV
# mailsync's settings and the YAML's secrets, one per line
MAILSYNC_TARGET=$(target_of "$3")
MAILSYNC_TARGET_TOKEN=$1
MAILSYNC_TARGET_CA_FILE=$certs/ca.pem
MAILSYNC_STATE="$(state_url "$2" "$3")"
PGPASSWORD='$4'
MAILSYNC_STATE_KEY=$state_key
export SUPPORT_PASSWORD=$support_password
ENV
}
indent() { sed 's/^/      /'; }
cat >"$repo/.gitlab-ci-local-variables.yml" <<YAML
MAILSYNC_SECRETS:
  type: file
  values:
    staging-plan: |
$(secrets "$read_token" mailsync_plan staging "$reader_password" | indent)
    production-plan: |
$(secrets "$read_token" mailsync_plan production "$reader_password" | indent)
    staging: |
$(secrets "$write_token" mailsync_apply staging "$writer_password" | indent)
    production: |
$(secrets "$write_token" mailsync_apply production "$writer_password" | indent)
MAILSYNC_GITLAB_TOKEN: $gitlab_token
YAML
# The first use of each namespace, with the writing role, from a trusted checkout (docs/ci.md).
for env in staging production; do
  secrets "$write_token" mailsync_apply "$env" "$writer_password" >"$work/$env-apply.env"
  chmod 600 "$work/$env-apply.env"
  (cd "$repo" && "$build/mailsync" plan --env "$env" --env-file "$work/$env-apply.env" config/) \
    >"$work/first-use-$env.out" 2>&1 || { cat "$work/first-use-$env.out" >&2; fail "first use of $env"; }
done
(cd "$repo" && git init -q -b main && git remote add origin https://gitlab.example.com/mailsync/mailsync-pipelines.git \
  && git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm config)

# One pipeline: gitlab-ci-local with these variables; its output in $work/NAME.out.
run=0
pipeline() { # name expected-status variables... [-- gitlab-ci-local arguments]
  local name="$1" expected="$2"
  shift 2
  local args=(--home "$work/home" --force-shell-executor --shell-isolation --concurrency 1
    --ignore-predefined-vars
    "CI_PIPELINE_SOURCE,CI_PROJECT_ID,CI_API_V4_URL,CI_COMMIT_BRANCH,CI_DEFAULT_BRANCH,CI_MERGE_REQUEST_SOURCE_PROJECT_ID,CI_MERGE_REQUEST_PROJECT_ID,CI_MERGE_REQUEST_IID"
    --variable "CI_API_V4_URL=$gitlab/api/v4" --variable CI_PROJECT_ID=7
    --variable MAILSYNC_SKIP_LIVE_TESTS=1)
  # The .deb made above and its SHA-256, as the sample says to write them into the file (but
  # for the run that shows what the SHA-256's placeholder does).
  args+=(--variable "MAILSYNC_DEB_URL=file://$deb")
  [[ "$name" == unpinned ]] || args+=(--variable "MAILSYNC_DEB_SHA256=$sha256")
  while (($#)) && [[ "$1" != -- ]]; do args+=(--variable "$1"); shift; done
  (($#)) && shift
  run=$((run + 1))
  local status=0
  (cd "$repo" && timeout 600 "$CI_TOOLS_BIN/gitlab-ci-local" "${args[@]}" "$@") >"$work/$name.out" 2>&1 || status=$?
  echo "== $name (exit $status):"
  grep -E '^ (PASS|FAIL|WARN) ' "$work/$name.out" | sed 's/ *$//; s/^/  /' || true
  if [[ "$status" != "$expected" ]]; then
    cat "$work/$name.out" >&2
    fail "$name: gitlab-ci-local exited $status, expected $expected"
  fi
}
passed() { grep -qE "^ PASS  $2 *\$" "$work/$1.out" || { cat "$work/$1.out" >&2; fail "$1: job $2 did not pass"; }; }
failed() { grep -qE "^ FAIL  $2 *\$" "$work/$1.out" || { cat "$work/$1.out" >&2; fail "$1: job $2 did not fail"; }; }
absent() { ! grep -qE "^ (PASS|FAIL)  $2 *\$" "$work/$1.out" || fail "$1: job $2 ran"; }

mr=(CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_PROJECT_ID=7 CI_MERGE_REQUEST_IID=1)
main=(CI_PIPELINE_SOURCE=push CI_COMMIT_BRANCH=main CI_DEFAULT_BRANCH=main)

# The SHA-256 pinned in the sample is a placeholder: the job stops before installing anything.
fork=(-- --variables-file .gitlab-ci-local-fork-variables.yml)
pipeline unpinned 1 "${mr[@]}" CI_MERGE_REQUEST_SOURCE_PROJECT_ID=8 "${fork[@]}"
failed unpinned validate
grep -q "sha256sum: 'standard input': no properly formatted checksum lines found" "$work/unpinned.out" \
  || fail "unpinned: sha256sum did not refuse the .deb"
[[ ! -e "$work/root/usr/bin/mailsync" ]] || fail "unpinned: the .deb was installed"

# A merge request from a fork, without the project's variables: validate --no-secrets, no plan.
pipeline fork-mr 0 "${mr[@]}" CI_MERGE_REQUEST_SOURCE_PROJECT_ID=8 "${fork[@]}"
passed fork-mr validate
absent fork-mr "plan-comment:production"

# A merge request from the project: the plans of both environments as notes, read page by page.
pipeline mr 0 "${mr[@]}" CI_MERGE_REQUEST_SOURCE_PROJECT_ID=7
for job in validate plan-comment:staging plan-comment:production; do passed mr "$job"; done
curl -fsS "$gitlab/_state" >"$work/gitlab.json"
jq -e '[.notes[] | select(.body | startswith("<!-- mailsync environment production -->\n<!-- mailsync plan part 1 of 1 -->\n### mailsync plan: 1 to create"))] | length == 1' "$work/gitlab.json" >/dev/null \
  || fail "mr: no production plan note"
jq -e '[.notes[] | select(.id == 120 and (.body | contains("part 1 of 1")))] | length == 1' "$work/gitlab.json" >/dev/null \
  || fail "mr: the note on the second page was not edited in place"
jq -e '[.notes[] | select(.id == 140)] | length == 0' "$work/gitlab.json" >/dev/null \
  || fail "mr: the note of a part the plan no longer has was not deleted"
jq -e '[.notes[] | select(.body | startswith("<!-- mailsync environment staging -->"))] | length == 1' "$work/gitlab.json" >/dev/null \
  || fail "mr: no staging plan note"

# The main branch: plans with the read token, applies with the write token, production manual.
pipeline main 0 "${main[@]}" -- --manual apply:production
for job in plan:staging plan:production apply:staging apply:production; do passed main "$job"; done
grep -q "Apply complete: 1 created" "$work/main.out" || fail "main: no apply"
for env in staging production; do
  curl -fsS --cacert "$certs/ca.pem" "https://localhost:$(cat "$work/$env.port")/_fixture/objects" >"$work/objects.json"
  jq -e '.["mail-accounts"] | length == 1' "$work/objects.json" >/dev/null \
    || { cat "$work/objects.json" >&2; fail "main: the $env target does not hold the account"; }
done

# The drift check: clean, then the account deleted by hand in the staging target.
pipeline drift-clean 0 CI_PIPELINE_SOURCE=schedule
passed drift-clean drift:staging
passed drift-clean drift:production
staging="$(target_of staging)"
curl -fsS --cacert "$certs/ca.pem" -H "Authorization: Bearer $write_token" "$staging/mail-accounts" >"$work/accounts.json"
account="$(jq -r '.items[0].id' "$work/accounts.json")"
curl -fsS --cacert "$certs/ca.pem" -X DELETE -H "Authorization: Bearer $write_token" \
  -H "If-Match: \"$(jq -r '.items[0].version' "$work/accounts.json")\"" "$staging/mail-accounts/$account" >/dev/null
pipeline drift 1 CI_PIPELINE_SOURCE=schedule
failed drift drift:staging
passed drift drift:production
curl -fsS "$gitlab/_state" >"$work/gitlab.json"
jq -e '[.issues[] | select(.title == "mailsync drift: staging" and (.description | contains("1 to create")))] | length == 1' "$work/gitlab.json" >/dev/null \
  || fail "drift: no issue"
pipeline drift-again 1 CI_PIPELINE_SOURCE=schedule
curl -fsS "$gitlab/_state" >"$work/gitlab.json"
jq -e '.issues | length == 1' "$work/gitlab.json" >/dev/null || fail "drift-again: a second issue instead of the first updated"

# No secret in any output.
for secret in "$read_token" "$write_token" "$gitlab_token" "$support_password" "$state_key" \
              "$reader_password" "$writer_password"; do
  if grep -l -F -- "$secret" "$work"/*.out; then fail "a secret is in the output above"; fi
done
echo "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION: $run pipelines of samples/ci/gitlab-ci.yml ran as expected"
