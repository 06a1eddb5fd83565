# helm: the real helm for template and lint (it adds truth), canned answers for the rest.
case "${1:-}" in
  template | lint)
    if [ -x "${__kit}/real/helm" ]; then exec "${__kit}/real/helm" "$@"; fi
    exit 0
    ;;
  history) echo '[{"revision":1,"status":"superseded"},{"revision":2,"status":"deployed"}]' ;;
  package)
    __dest="$(opt --destination "$@" || echo .)"
    mkdir -p "${__dest}"
    : > "${__dest}/chart-$(opt --version "$@" || echo 0.0.0).tgz"
    ;;
  push) printf 'Pushed: %s\nDigest: sha256:%064d\n' "${3:-}" 7 ;;
esac
exit 0
