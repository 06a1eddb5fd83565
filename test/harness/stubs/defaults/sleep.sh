# sleep: returns at once; a wait loop that never ends is stopped after 200 calls (the step fails).
__n="$(cat "${__harness}/sleep.count" 2> /dev/null || echo 0)"
__n=$((__n + 1))
echo "${__n}" > "${__harness}/sleep.count"
if [ "${__n}" -gt 200 ]; then
  echo "harness: sleep was called 200 times: a wait loop does not end" >&2
  kill -TERM "${PPID}"
  exit 1
fi
exit 0
