#!/bin/bash
# (bash by absolute path: `/usr/bin/env bash` costs an extra process per stubbed call)
# The harness's stand-in for an external tool. Its name is the name it is called by (a copy per tool on
# PATH, inside fake release archives, or installed by a generated script). It records the call, then
# runs the scenario's behaviour for the tool (behaviours/<tool>.sh, sourced with the call's arguments),
# or the harness default (defaults/<tool>.sh), or does nothing and succeeds.
__tool="${0##*/}"
# the harness sets HARNESS_DIR for every step (a copy inside an archive or installed by a script finds it so)
__harness="${HARNESS_DIR:?the harness sets HARNESS_DIR}"
# the stub tools, their default behaviours and the real tools some defaults hand over to (shared by runs)
__kit="${HARNESS_KIT:?the harness sets HARNESS_KIT}"
{
  printf '%s' "${__tool}"
  for __a in "$@"; do printf '\037%s' "${__a//$'\n'/\\n}"; done
  printf '\n'
} >> "${__harness}/calls.log"
# helpers for behaviours
opt() { local k="$1"; shift; while [ "$#" -gt 0 ]; do case "$1" in "$k") printf '%s' "${2:-}"; return 0 ;; "$k="*) printf '%s' "${1#*=}"; return 0 ;; esac; shift; done; return 1; }
has() { local k="$1"; shift; local a; for a in "$@"; do [ "$a" = "$k" ] && return 0; done; return 1; }
FIXTURES="${__harness}/fixtures"
export FIXTURES
if [ -f "${__harness}/behaviours/${__tool}.sh" ]; then
  # shellcheck disable=SC1090
  . "${__harness}/behaviours/${__tool}.sh"
elif [ -f "${__kit}/defaults/${__tool}.sh" ]; then
  # shellcheck disable=SC1090
  . "${__kit}/defaults/${__tool}.sh"
fi
exit 0
