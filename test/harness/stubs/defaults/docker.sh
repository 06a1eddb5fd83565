# docker: a registry for `buildx imagetools`. `inspect REF --format '{{json .Manifest}}'` prints an image index
# (linux/amd64, linux/arm64 and a buildx attestation manifest, platform unknown/unknown) whose digest is the
# one REF names (`@sha256:…`), the one `create` gave it (registry.tsv), or one derived from REF; `create
# --tag T … SRC@DIGEST` records each T → DIGEST. Other calls do nothing.
if [ "${1:-}" = buildx ] && [ "${2:-}" = imagetools ]; then
  __reg="${__harness}/registry.tsv"
  touch "${__reg}"
  __sum() { printf '%s' "$1" | sha256sum | cut -c 1-64; }
  case "${3:-}" in
    inspect)
      __ref="$4"
      if [[ "${__ref}" == *@sha256:* ]]; then __digest="sha256:${__ref##*@sha256:}"
      else
        __digest="$(awk -F '\t' -v r="${__ref}" '$1 == r { d = $2 } END { print d }' "${__reg}")"
        if [ -z "${__digest}" ]; then __digest="sha256:$(__sum "${__ref}")"; fi
      fi
      jq -n --arg d "${__digest}" --arg a "sha256:$(__sum "${__digest} linux/amd64")" --arg b "sha256:$(__sum "${__digest} linux/arm64")" \
        --arg u "sha256:$(__sum "${__digest} attestation")" '{
          schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: 1609,
          manifests: [
            { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $a, size: 1234, platform: { architecture: "amd64", os: "linux" } },
            { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $b, size: 1234, platform: { architecture: "arm64", os: "linux" } },
            { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $u, size: 566, platform: { architecture: "unknown", os: "unknown" },
              annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": $a } }
          ] }'
      ;;
    create)
      shift 3
      __tags=()
      __src=""
      while [ "$#" -gt 0 ]; do
        case "$1" in
          --tag | -t) __tags+=("$2"); shift 2 ;;
          --tag=*) __tags+=("${1#--tag=}"); shift ;;
          -*) shift ;;
          *) __src="$1"; shift ;;
        esac
      done
      if [[ "${__src}" != *@sha256:* ]]; then echo "ERROR: harness registry: give the source by digest" >&2; exit 1; fi
      for __t in "${__tags[@]}"; do printf '%s\tsha256:%s\n' "${__t}" "${__src##*@sha256:}" >> "${__reg}"; done
      ;;
  esac
fi
