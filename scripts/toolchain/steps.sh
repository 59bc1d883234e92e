# shellcheck shell=bash disable=SC2154 # steps_prefix and steps_verbose: set by the sourcing script
# One line per step for the toolchain scripts (sourced by build.sh and actionlint.sh).
#
# A step's own output (Go's "go: downloading …" lines, the compiler's) would bury the
# few lines a user needs among hundreds, so it goes to a file and is shown only when the
# step fails, right under the step's line: a failure always says why. With --verbose it
# streams as it comes instead. Every line goes to standard error through fd 3, a copy
# taken here, so that a step's redirected output never swallows the script's own lines.
#
# The sourcing script sets, before sourcing:
#   steps_prefix   the word each line starts with ("toolchain")
#   steps_verbose  1 to stream each step's output (--verbose), else 0

exec 3>&2
steps_open=""   # the step whose line is still open (its output going to a file)
steps_output="" # that file
steps_t0=0

# log MESSAGE: one line of the script's own.
log() { printf '%s: %s\n' "$steps_prefix" "$*" >&3; }

# step NAME COMMAND...: runs COMMAND as one step; its status is the command's. Bash does
# not stop on errors inside a command whose status is tested, so the commands given here
# must return on each failure themselves.
step() {
  local name=$1 status=0
  shift
  steps_t0=$SECONDS
  if ((steps_verbose)); then
    log "$name ..."
    "$@" || status=$?
    if ((status != 0)); then
      log "$name: failed after $((SECONDS - steps_t0))s"
    else
      log "$name: done in $((SECONDS - steps_t0))s"
    fi
    return "$status"
  fi
  steps_output=$(mktemp "${TMPDIR:-/tmp}/toolchain-step.XXXXXX")
  steps_open=$name
  # The line stays open while the step runs: a long build shows what it is doing.
  printf '%s: %s ... ' "$steps_prefix" "$name" >&3
  "$@" >"$steps_output" 2>&1 || status=$?
  if ((status != 0)); then
    step_fail
    return "$status"
  fi
  printf 'done in %ss\n' "$((SECONDS - steps_t0))" >&3
  rm -f "$steps_output"
  steps_open=""
}

# step_fail: ends the open step's line, if any, as failed and shows what the step
# printed. A script's die and EXIT trap call it, so that an error raised inside a
# step, or an interrupted step, still shows the step's output.
step_fail() {
  [[ -n $steps_open ]] || return 0
  printf 'failed after %ss\n' "$((SECONDS - steps_t0))" >&3
  if [[ -s $steps_output ]]; then cat "$steps_output" >&3; fi
  rm -f "$steps_output"
  steps_open=""
}
