# promtool: the real one when installed.
if [ -x "${__kit}/real/promtool" ]; then exec "${__kit}/real/promtool" "$@"; fi
exit 0
