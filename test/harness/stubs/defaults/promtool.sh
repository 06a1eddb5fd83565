# promtool: the real one when installed.
if [ -x "${__harness}/real/promtool" ]; then exec "${__harness}/real/promtool" "$@"; fi
exit 0
