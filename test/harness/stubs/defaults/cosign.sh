# cosign: reads the files it is given, as the real one does (a missing predicate is an error).
for __f in "$(opt --predicate "$@" || true)" "$(opt --bundle "$@" || true)"; do
  if [ -n "${__f}" ] && [ "${__f}" = "$(opt --predicate "$@" || true)" ] && [ ! -f "${__f}" ]; then
    echo "Error: open ${__f}: no such file or directory" >&2
    exit 1
  fi
done
exit 0
