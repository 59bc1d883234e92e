#!/usr/bin/env bash
# Builds the Pulumi toolchain this project deploys with from Go modules, and
# installs it where `npx pulumi` looks for it, so nothing is downloaded from
# Pulumi's servers:
#
#   $PULUMI_HOME/versions/<v>/bin/pulumi                         the CLI
#   $PULUMI_HOME/versions/<v>/bin/pulumi-language-nodejs          Node.js language host
#                                                                (also runs Node.js policy packs)
#   $PULUMI_HOME/versions/<v>/bin/pulumi-resource-pulumi-nodejs   dynamic-provider launcher
#   $PULUMI_HOME/plugins/resource-azuread-v<v>/                   azuread provider plugin
#
# Binaries are built once into a cache directory keyed by versions, Go version,
# platform and the inputs in this directory; a run that finds them builds
# nothing. Versions and build flags: versions.env.
#
# It prints one line per step; a step's own output (Go's "go: downloading …"
# lines, the compiler's) only when the step fails, or as it comes with --verbose.
#
# Usage: bash scripts/toolchain/build.sh [--verbose]
# Environment:
#   PULUMI_HOME               where to install (default ~/.pulumi)
#   D365BA_TOOLCHAIN_CACHE    build cache root
#                             (default ${XDG_CACHE_HOME:-~/.cache}/d365-backup-access/toolchain)
#   D365BA_AZUREAD_REQUIRED   1: fail when the azuread provider cannot be had;
#                             otherwise report it and install the rest (default)
#   D365BA_AZUREAD_PLUGIN_FILE  a pulumi-resource-azuread binary of the pinned
#                             version to install instead of building one
#   GOMODCACHE, GOCACHE, GOPROXY  as for any go command
set -euo pipefail

usage="usage: bash scripts/toolchain/build.sh [--verbose]"
steps_verbose=0
for arg in "$@"; do
  case $arg in
    --verbose) steps_verbose=1 ;;
    -h | --help)
      echo "$usage"
      exit 0
      ;;
    *)
      printf "toolchain: error: unknown argument '%s'\n%s\n" "$arg" "$usage" >&2
      exit 2
      ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
steps_prefix=toolchain
# shellcheck source=steps.sh
source "$here/steps.sh"

started=$SECONDS
die() {
  step_fail
  log "error: $*"
  exit 1
}
trap 'status=$?; step_fail; [[ $status -eq 0 ]] || log "failed (exit $status) after $((SECONDS - started))s"' EXIT

command -v node >/dev/null || die "node is needed to read the pinned versions from package.json"
command -v go >/dev/null || die "go is needed to build the toolchain (Go 1.25 or newer)"

# --- versions -----------------------------------------------------------------

# json_string FILE KEY...: the string at that path in a JSON file.
json_string() {
  node -e '
    const [file, ...path] = process.argv.slice(1);
    let value = require(file);
    for (const key of path) value = value == null ? undefined : value[key];
    if (typeof value !== "string") process.exit(3);
    console.log(value);' "$@"
}

pulumi_version=$(json_string "$repo/package.json" devDependencies pulumi) ||
  die "package.json has no devDependencies.pulumi (the npm CLI wrapper whose version the CLI is built at)"
[[ $pulumi_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "devDependencies.pulumi in package.json is '$pulumi_version'; an exact version such as 3.250.0 is expected"
azuread_version=$(json_string "$repo/package-lock.json" packages node_modules/@pulumi/azuread version) ||
  die "package-lock.json has no packages[\"node_modules/@pulumi/azuread\"].version; run npm install first"
[[ $azuread_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "@pulumi/azuread in package-lock.json is '$azuread_version'; an exact version such as 6.9.1 is expected"

export GOTOOLCHAIN=$TOOLCHAIN_GOTOOLCHAIN CGO_ENABLED=$TOOLCHAIN_CGO_ENABLED
go_version=$(go env GOVERSION)
platform=$(go env GOOS)-$(go env GOARCH)

# required_version DIR MODULE: the version of MODULE that DIR's go.mod requires.
required_version() {
  go mod edit -json "$1/go.mod" |
    node -e '
      let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
        const req = (JSON.parse(text).Require || []).find((r) => r.Path === process.argv[1]);
        console.log(req ? req.Version : "");
      });' "$2"
}

check_required() { # DIR MODULE WANTED
  local have
  have=$(required_version "$1" "$2")
  [[ $have == "$3" ]] || die "${1#"$repo"/}/go.mod requires $2 ${have:-(nothing)} but the npm manifests pin $3;
  update it: (cd ${1#"$repo"/} && go get $2@$3 && go mod tidy)"
}

pulumi_module_dir=$here/pulumi
azuread_module_dir=$here/azuread
check_required "$pulumi_module_dir" github.com/pulumi/pulumi/pkg/v3 "v$pulumi_version"
check_required "$pulumi_module_dir" github.com/pulumi/pulumi/sdk/v3 "v$pulumi_version"
check_required "$azuread_module_dir" "$AZUREAD_PROVIDER_MODULE" "v$azuread_version"

# inputs_hash DIR...: short hash of everything in those directories (but
# tests) and versions.env, so that editing any of them rebuilds.
inputs_hash() {
  (
    cd "$here"
    find "$@" -type f ! -name '*_test.go' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum versions.env
  ) | sha256sum | cut -c1-12
}

cache_root=${D365BA_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/d365-backup-access/toolchain}
pulumi_cache=$cache_root/pulumi-$pulumi_version-$go_version-$platform-$(inputs_hash pulumi)
azuread_cache=$cache_root/azuread-$azuread_version-$go_version-$platform-$(inputs_hash azuread)
pulumi_home=${PULUMI_HOME:-$HOME/.pulumi}
export PULUMI_HOME=$pulumi_home
bin_dir=$pulumi_home/versions/$pulumi_version/bin

mkdir -p "$cache_root"
# Two runs at once (parallel CI jobs) wait for each other instead of both building.
exec 9>"$cache_root/.lock"
command -v flock >/dev/null && flock 9

log "Pulumi $pulumi_version and azuread $azuread_version with $go_version $platform (cache: $cache_root)"

# go_build OUT PACKAGE LDFLAGS: one release-style build.
go_build() {
  # shellcheck disable=SC2086 # the flag lists are word lists
  go build -p "$TOOLCHAIN_GO_PARALLELISM" $TOOLCHAIN_GO_BUILD_FLAGS -tags "$TOOLCHAIN_GO_TAGS" \
    -ldflags "$TOOLCHAIN_GO_STRIP_LDFLAGS $3" -o "$1" "$2"
}

# --- Pulumi CLI, language host, launcher ---------------------------------------

# Listing the packages' dependencies downloads exactly the modules the builds
# need (go mod download would also fetch every test-only dependency).
download_pulumi_modules() {
  (cd "$pulumi_module_dir" && go list -deps -tags "$TOOLCHAIN_GO_TAGS" \
    "$PULUMI_CLI_PACKAGE" ./cmd/pulumi-language-nodejs >/dev/null)
}

build_pulumi_cli() {
  (cd "$pulumi_module_dir" && go_build "$1/pulumi" "$PULUMI_CLI_PACKAGE" "-X $PULUMI_VERSION_VARIABLE=v$pulumi_version") ||
    return
  local reported
  reported=$("$1/pulumi" version) || die "the freshly built CLI does not run"
  [[ $reported == "v$pulumi_version" ]] || die "the freshly built CLI reports version '$reported', not v$pulumi_version"
}

build_language_host() {
  (cd "$pulumi_module_dir" && go_build "$1/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs \
    "-X $PULUMI_VERSION_VARIABLE=v$pulumi_version")
}

# The launcher is the shell script the SDK module ships in nodejs/dist at the
# CLI's version; the engine runs it to start a dynamic provider in node.
copy_launcher() {
  local sdk_dir
  sdk_dir=$(cd "$pulumi_module_dir" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3) || return
  [[ -f $sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs ]] ||
    die "github.com/pulumi/pulumi/sdk/v3@v$pulumi_version has no nodejs/dist/pulumi-resource-pulumi-nodejs"
  install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$1/"
}

# cached DIR FILE...: DIR holds a finished build with all those files.
cached() {
  local dir=$1 f
  shift
  [[ -f $dir/complete ]] || return 1
  for f in "$@"; do [[ -x $dir/$f ]] || return 1; done
}

# prune_other_builds COMPONENT KEEP: after a new build, drop the component's
# builds under other keys (older versions or inputs): the cache holds one each.
prune_other_builds() {
  local keep=$2 d
  for d in "$cache_root/$1"-*; do
    [[ -d $d && $d != "$keep" ]] || continue
    rm -rf "$d"
    log "removed an older build: $d"
  done
}

if cached "$pulumi_cache" pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; then
  log "Pulumi CLI, language host and launcher: cached in $pulumi_cache"
else
  rm -rf "$pulumi_cache.partial"
  mkdir -p "$pulumi_cache.partial"
  step "download the Go modules they need" download_pulumi_modules
  step "build pulumi v$pulumi_version" build_pulumi_cli "$pulumi_cache.partial"
  step "build pulumi-language-nodejs v$pulumi_version" build_language_host "$pulumi_cache.partial"
  step "copy pulumi-resource-pulumi-nodejs" copy_launcher "$pulumi_cache.partial"
  touch "$pulumi_cache.partial/complete"
  rm -rf "$pulumi_cache"
  mv "$pulumi_cache.partial" "$pulumi_cache"
  prune_other_builds pulumi "$pulumi_cache"
fi

# install_file SRC DEST: copy unless identical; atomic, so a running pulumi
# is never overwritten in place. Succeeds only when it copied.
install_file() {
  cmp -s "$1" "$2" && return 1
  install -m 0755 "$1" "$2.new.$$"
  mv -f "$2.new.$$" "$2"
}

mkdir -p "$bin_dir"
installed=""
for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
  if install_file "$pulumi_cache/$f" "$bin_dir/$f"; then installed+="${installed:+, }$f"; fi
done
if [[ -n $installed ]]; then log "installed $installed into $bin_dir"; fi

# --- azuread provider ------------------------------------------------------------

azuread_status=""

# The provider module's own go generate step, done on the build copy: its
# committed schema.json with "version" set, compact, as schema-embed.json.
write_embedded_schema() { # PROVIDER_DIR OUT
  node -e '
    const fs = require("fs");
    const [from, to, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(from, "utf8"));
    schema.version = version;
    fs.writeFileSync(to, JSON.stringify(schema));' \
    "$1/cmd/pulumi-resource-azuread/schema.json" "$2" "$azuread_version"
}

build_azuread() { # OUT
  local work=$1/src provider_dir answer
  rm -rf "$work"
  cp -R "$azuread_module_dir" "$work" || return 1
  # Ask the proxy for the provider module first, to fail with its own words.
  answer=$(cd "$work" && go mod download -json "$AZUREAD_PROVIDER_MODULE@v$azuread_version" 2>&1) || true
  provider_dir=$(printf '%s' "$answer" | node -e '
    let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
      try { const j = JSON.parse(t); if (j.Dir) { console.log(j.Dir); return; } console.error(j.Error || t); }
      catch { console.error(t); }
      process.exit(1);
    });' 2>&1) || {
    azuread_status="the Go module proxy does not serve $AZUREAD_PROVIDER_MODULE@v$azuread_version: $(printf '%s' "$provider_dir" | tr -s '\n\t' '  ')"
    return 1
  }
  write_embedded_schema "$provider_dir" "$work/cmd/pulumi-resource-azuread/schema-embed.json" || {
    azuread_status="could not write schema-embed.json from $provider_dir/cmd/pulumi-resource-azuread/schema.json"
    return 1
  }
  # go.sum cannot be committed for modules the proxy does not serve here, so
  # this build (and only this one) may resolve and record them itself.
  (cd "$work" && GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod" go_build "$1/pulumi-resource-azuread" \
    ./cmd/pulumi-resource-azuread "-X $AZUREAD_VERSION_VARIABLE=$azuread_version") || {
    azuread_status="building $AZUREAD_PROVIDER_MODULE@v$azuread_version failed (its go output is shown above)"
    return 1
  }
  rm -rf "$work"
}

azuread_binary=""
if [[ -n ${D365BA_AZUREAD_PLUGIN_FILE:-} ]]; then
  [[ -x $D365BA_AZUREAD_PLUGIN_FILE ]] ||
    die "D365BA_AZUREAD_PLUGIN_FILE=$D365BA_AZUREAD_PLUGIN_FILE is not an executable file"
  azuread_binary=$D365BA_AZUREAD_PLUGIN_FILE
  log "azuread provider: using D365BA_AZUREAD_PLUGIN_FILE=$azuread_binary"
elif cached "$azuread_cache" pulumi-resource-azuread; then
  log "azuread provider: cached in $azuread_cache"
  azuread_binary=$azuread_cache/pulumi-resource-azuread
else
  rm -rf "$azuread_cache.partial"
  mkdir -p "$azuread_cache.partial"
  if step "build pulumi-resource-azuread v$azuread_version" build_azuread "$azuread_cache.partial"; then
    touch "$azuread_cache.partial/complete"
    rm -rf "$azuread_cache"
    mv "$azuread_cache.partial" "$azuread_cache"
    prune_other_builds azuread "$azuread_cache"
    azuread_binary=$azuread_cache/pulumi-resource-azuread
  else
    rm -rf "$azuread_cache.partial"
  fi
fi

plugin_dir=$pulumi_home/plugins/resource-azuread-v$azuread_version
if [[ -n $azuread_binary ]]; then
  if cmp -s "$azuread_binary" "$plugin_dir/pulumi-resource-azuread"; then
    log "azuread provider v$azuread_version: already installed"
  else
    step "install the azuread plugin" \
      "$bin_dir/pulumi" plugin install resource azuread "$azuread_version" --file "$azuread_binary" --reinstall
  fi
elif [[ -x $plugin_dir/pulumi-resource-azuread ]]; then
  log "azuread provider v$azuread_version: not built here, but already installed in $plugin_dir"
else
  log "BLOCKED: azuread provider v$azuread_version is not installed: $azuread_status"
  [[ ${D365BA_AZUREAD_REQUIRED:-0} == 1 ]] && exit 3
  # The last line says plainly what is and is not ready.
  log "partly ready in $((SECONDS - started))s: PULUMI_HOME=$pulumi_home npx pulumi (v$pulumi_version) runs, but NOT the azuread plugin v$azuread_version that a preview or update of this project needs; \`npm run prepare-shell\` installs the real one where it can be downloaded, else the test-only stand-in for the tenant emulator"
  exit 0
fi

log "ready in $((SECONDS - started))s: PULUMI_HOME=$pulumi_home npx pulumi (v$pulumi_version) with the azuread plugin v$azuread_version"
