#!/usr/bin/env bash
# Lints the repository's GitHub Actions workflows with actionlint, built from Go
# modules at the version actionlint/go.mod pins (go.sum holds its checksums), and
# cached like the Pulumi toolchain (see build.sh and README.md here).
#
# The shellcheck command is required, not optional: actionlint runs it on every `run:` script,
# and a linter that checks the scripts on one machine and silently skips them on
# another would give two answers for one workflow. Install it with your package
# manager (Debian/Ubuntu: apt-get install shellcheck; macOS: brew install shellcheck).
#
# Usage:
#   bash scripts/toolchain/actionlint.sh               lint .github/workflows/
#   bash scripts/toolchain/actionlint.sh FILE...       lint those workflow files
#   bash scripts/toolchain/actionlint.sh --self-test   prove the linter catches what it
#       should: lints actionlint/testdata/broken-workflow.yml, which must fail with
#       every error kind its "# expect:" lines name (shellcheck's among them)
#   --verbose (anywhere): show the Go build's output as it comes; without it, the
#       build is one line and its output is shown only when it fails
# Environment:
#   D365BA_TOOLCHAIN_CACHE    build cache root, as for build.sh
#   GOMODCACHE, GOCACHE, GOPROXY  as for any go command
set -euo pipefail

steps_verbose=0
arguments=()
for arg in "$@"; do
  if [[ $arg == --verbose ]]; then steps_verbose=1; else arguments+=("$arg"); fi
done
set -- "${arguments[@]}"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
module_dir=$here/actionlint
# Build flags shared with the Pulumi toolchain (read only; this script adds nothing there).
# shellcheck source=versions.env
source "$here/versions.env"
steps_prefix=actionlint
# shellcheck source=steps.sh
source "$here/steps.sh"

actionlint_module=github.com/rhysd/actionlint
actionlint_package=$actionlint_module/cmd/actionlint
# actionlint prints this variable for -version; unset, a build as a dependency says "unknown".
actionlint_version_variable=$actionlint_module.version

die() {
  step_fail
  log "error: $*"
  exit 2
}
trap step_fail EXIT

command -v go >/dev/null || die "go is needed to build actionlint (Go 1.25 or newer)"
shellcheck_bin=$(command -v shellcheck) ||
  die "shellcheck is needed: actionlint checks every run: script with it. Install it (Debian/Ubuntu: apt-get install shellcheck; macOS: brew install shellcheck) and run again."

export GOTOOLCHAIN=$TOOLCHAIN_GOTOOLCHAIN CGO_ENABLED=$TOOLCHAIN_CGO_ENABLED
version=$(cd "$module_dir" && go list -m -f '{{.Version}}' "$actionlint_module") ||
  die "scripts/toolchain/actionlint/go.mod does not require $actionlint_module"
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "scripts/toolchain/actionlint/go.mod requires $actionlint_module $version; a released version such as v1.7.12 is expected"

# The cache key covers the version, Go, the platform and the wrapper module's
# files (not its testdata), so editing go.mod or go.sum rebuilds.
inputs_hash=$(
  cd "$here"
  sha256sum actionlint/go.mod actionlint/go.sum actionlint/tools.go versions.env | sha256sum | cut -c1-12
)
cache_root=${D365BA_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/d365-backup-access/toolchain}
cache_dir=$cache_root/actionlint-$version-$(go env GOVERSION)-$(go env GOOS)-$(go env GOARCH)-$inputs_hash
binary=$cache_dir/actionlint

mkdir -p "$cache_root"
# Two runs at once wait for each other instead of both building.
exec 9>"$cache_root/.actionlint.lock"
command -v flock >/dev/null && flock 9
build_actionlint() {
  # shellcheck disable=SC2086 # the flag lists are word lists
  (cd "$module_dir" && go build -p "$TOOLCHAIN_GO_PARALLELISM" $TOOLCHAIN_GO_BUILD_FLAGS \
    -ldflags "$TOOLCHAIN_GO_STRIP_LDFLAGS -X $actionlint_version_variable=$version" \
    -o "$cache_dir.partial/actionlint" "$actionlint_package") || return
  local reported
  reported=$("$cache_dir.partial/actionlint" -version | head -n 1)
  [[ $reported == "$version" ]] || die "the freshly built actionlint reports version '$reported', not $version"
}

if [[ ! -f $cache_dir/complete || ! -x $binary ]]; then
  rm -rf "$cache_dir.partial"
  mkdir -p "$cache_dir.partial"
  step "build $actionlint_package $version (once; cached in $cache_dir)" build_actionlint
  touch "$cache_dir.partial/complete"
  rm -rf "$cache_dir"
  mv "$cache_dir.partial" "$cache_dir"
  for other in "$cache_root"/actionlint-*; do
    [[ -d $other && $other != "$cache_dir" ]] && rm -rf "$other" && log "removed an older build: $other"
  done
fi

# -pyflakes= : the workflows run no Python, and an absent pyflakes must not change the answer.
lint() { "$binary" -shellcheck="$shellcheck_bin" -pyflakes= "$@"; }

if [[ ${1:-} == --self-test ]]; then
  fixture=$module_dir/testdata/broken-workflow.yml
  mapfile -t expected < <(sed -n 's/^# expect: *\([a-z-]*\).*/\1/p' "$fixture")
  ((${#expected[@]} > 0)) || die "$fixture names no expected error kind (# expect: <kind>)"
  status=0
  # shellcheck disable=SC2016 # a Go template for actionlint, not a shell expansion
  kinds=$(lint -format '{{range $err := .}}{{println $err.Kind}}{{end}}' "$fixture") || status=$?
  ((status == 1)) || die "actionlint exited $status on $fixture; 1 (errors found) was expected"
  for kind in "${expected[@]}"; do
    grep -qx "$kind" <<<"$kinds" || die "actionlint did not report a '$kind' error in $fixture (it reported: $(sort -u <<<"$kinds" | tr '\n' ' '))"
  done
  log "self-test passed: ${fixture#"$repo"/} fails with: ${expected[*]} (actionlint $version)"
  exit 0
fi

cd "$repo"
if (($# == 0)); then
  shopt -s nullglob
  workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
  ((${#workflows[@]} > 0)) || die "no workflow files in .github/workflows/"
  set -- "${workflows[@]}"
fi
lint "$@"
log "no problems in $# workflow file(s) (actionlint $version)"
