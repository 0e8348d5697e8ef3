#!/usr/bin/env bash
# The .deb: built by CPack from this build, unpacked into a temporary root, run from there.
#   package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb="$(ls "$work"/out/*.deb)"
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"

# Dependencies: Debian's runtime packages, as dpkg-shlibdeps found them in the binary.
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
for library in libyaml-cpp libcurl4 libssl3 libsqlite3-0 libpq5 libfmt libc6 libstdc++6; do
  [[ "$depends" == *"$library"* ]] || fail "Depends lacks $library"
done
[[ "$depends" != *-dev* ]] || fail "Depends names a -dev package"

dpkg-deb -x "$deb" "$work/root"
root="$work/root"
version="$("$root/usr/bin/mailsync" --version)"
[[ "$version" == "mailsync $(dpkg-deb -f "$deb" Version)" ]] || fail "--version said '$version'"
echo "$version"

for file in usr/share/man/man1/mailsync.1.gz \
            usr/share/bash-completion/completions/mailsync \
            usr/share/zsh/vendor-completions/_mailsync \
            usr/share/doc/mailsync/README.md usr/share/doc/mailsync/ci.md \
            usr/share/doc/mailsync/examples/ci/github-actions.yml \
            usr/share/doc/mailsync/examples/ci/gitlab-ci.yml; do
  [[ -s "$root/$file" ]] || fail "missing $file"
done
for schema in mailsync validate test plan apply status; do
  [[ -s "$root/usr/share/mailsync/schemas/$schema.schema.json" ]] || fail "missing schema $schema"
done
gzip -t "$root/usr/share/man/man1/mailsync.1.gz" || fail "man page not gzip"
if command -v man >/dev/null; then
  page="$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$root/usr/share/man/man1/mailsync.1.gz" 2>"$work/man.err")"
  [[ ! -s "$work/man.err" ]] || { cat "$work/man.err" >&2; fail "man page warnings"; }
  [[ "$page" == *"EXIT STATUS"* && "$page" == *"$version"* ]] || fail "man page content"
fi

# bash completion from the installed files, against the installed binary.
complete_words() { # the command line so far, the word being completed last
  PATH="$root/usr/bin:$PATH" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _mailsync
    printf "%s\n" "${COMPREPLY[@]}"' _ "$root/usr/share/bash-completion/completions/mailsync" "$@"
}
check() { # expected, then the words
  local expected="$1"; shift
  local got
  got="$(cd "$source_dir/samples/mailbox-migration" && complete_words "$@" | sort | tr '\n' ' ')"
  [[ "$got" == "$expected " ]] || fail "completing '$*': got '$got', expected '$expected'"
}
check "apply" mailsync ap
check "plan" mailsync pl
check "--skip-live-tests" mailsync apply --skip
check "markdown" mailsync plan --format m
check "json text" mailsync status --format ""
check "mailbox-form" mailsync apply --mapping mail
check "MailboxMigration/jdoe-gmail MailboxMigration/sales-exchange" mailsync apply --select Mailbox
check "OAuth2Client/gmail-migration" mailsync plan --select O
check "authorize" mailsync oauth2 a
check "--out" mailsync oauth2 authorize --ou
check "export-key" mailsync state exp
echo "package test passed"
