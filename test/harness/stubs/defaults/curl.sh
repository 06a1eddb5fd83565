# curl: scenario responses first (http.tsv: ERE, exit code, body fixture), then fake GitHub/HashiCorp
# releases built on demand (assets hold tool stubs; checksum files list the genuine assets, or what a
# compromised release serves), else an empty successful answer. Tampered and compromised assets are served
# with a line appended; the release directory itself stays genuine.
__out="$(opt --output "$@" || opt -o "$@" || true)"
__url="${!#}"
__emit() { if [ -n "${__out}" ]; then cp "$1" "${__out}"; else cat "$1"; fi; }
if [ -f "${__harness}/http.tsv" ]; then
  while IFS=$'\t' read -r __re __code __body; do
    [ -n "${__re}" ] || continue
    if [[ "${__url}" =~ ${__re} ]]; then
      if [ -n "${__body}" ]; then __emit "${FIXTURES}/${__body}"; fi
      if [ "${__code}" != 0 ]; then echo "curl: (${__code}) The requested URL returned error: 500" >&2; fi
      exit "${__code}"
    fi
  done < "${__harness}/http.tsv"
fi
case "${__url}" in
  https://github.com/*/releases/download/* | https://releases.hashicorp.com/*) ;;
  *)
    if [ -n "${__out}" ] && [ "${__out}" != /dev/null ]; then : > "${__out}"; fi
    exit 0
    ;;
esac
__key="${__url#https://}"
__name="$(basename "${__key}")"
# releases are built once per process and set of missing tools (HARNESS_RELEASES), then served from there
__dir="${HARNESS_RELEASES:?}/$(dirname "${__key}")"
mkdir -p "${__dir}"
__sums='(checksum|CHECKSUM|SHA256SUMS|sha256sums)'
if [[ "${__name}" =~ ${__sums} ]]; then
  __tmp="$(mktemp)"
  (cd "${__dir}" && for f in *; do
    if [ -f "$f" ] && [[ ! "$f" =~ ${__sums} ]]; then
      if grep -qxF "$f" "${__harness}/compromised.list" 2> /dev/null; then
        printf '%s  %s\n' "$({ cat "$f"; printf 'compromised\n'; } | sha256sum | cut -d ' ' -f 1)" "$f"
      else
        sha256sum "$f"
      fi
    fi
  done) > "${__tmp}"
  __emit "${__tmp}"
  exit 0
fi
if [ ! -f "${__dir}/${__name}" ]; then
  # stage/ holds a stub per tool the scenario does not call missing (prepared by the harness)
  __stage="${__kit}/stage"
  __prefix="${__name%.tar.gz}"
  case "${__name}" in
    *.tar.gz | *.tgz)
      # each tool at the top and under <asset name>/ (prometheus-<v>.linux-<arch>/promtool)
      (cd "${__stage}" && tar -cf "${__dir}/${__name}.tar" -- * && tar -rf "${__dir}/${__name}.tar" --transform "s,^,${__prefix}/," -- * && gzip -c "${__dir}/${__name}.tar" > "${__dir}/${__name}" && rm "${__dir}/${__name}.tar")
      ;;
    *.zip) (cd "${__stage}" && zip -qr "${__dir}/${__name}" .) ;;
    *)
      __tool="${__name}"
      while read -r __t; do case "${__name}" in "${__t}"*) __tool="${__t}" ;; esac; done < "${__kit}/tools.list"
      if [ -f "${__kit}/missing/${__tool}" ]; then echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; fi
      cp "${__kit}/stub.sh" "${__dir}/${__name}"
      ;;
  esac
fi
__emit "${__dir}/${__name}"
if [ -n "${__out}" ] && grep -qxF "${__name}" "${__harness}/tampered.list" 2> /dev/null; then
  printf 'tampered\n' >> "${__out}"
fi
if [ -n "${__out}" ] && grep -qxF "${__name}" "${__harness}/compromised.list" 2> /dev/null; then
  printf 'compromised\n' >> "${__out}"
fi
exit 0
