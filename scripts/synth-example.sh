#!/usr/bin/env bash
# Synthesizes examples/<name> with the library built from this checkout, as `npx projen` would in a
# user's repo, and lists the files it wrote.
#   scripts/synth-example.sh [enterprise-platform|minimal|platform-monorepo]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:-enterprise-platform}"
dir="${root}/examples/${name}"
if [ ! -f "${dir}/.projenrc.ts" ]; then
  echo "no example '${name}'; examples: $(find "${root}/examples" -mindepth 2 -maxdepth 2 -name .projenrc.ts -printf '%h\n' | xargs -n1 basename | sort | tr '\n' ' ')" >&2
  exit 2
fi

# build the library when lib/ is missing or older than src/
if [ ! -f "${root}/lib/index.js" ] || [ -n "$(find "${root}/src" -name '*.ts' -newer "${root}/lib/index.js" -print -quit)" ]; then
  (cd "${root}" && npx projen compile)
fi

# inside this repository, `import ... from 'platform-pipeline'` resolves to the build output
mkdir -p "${root}/examples/node_modules"
ln -sfn ../.. "${root}/examples/node_modules/platform-pipeline"

cd "${dir}"
PROJEN_DISABLE_POST=true "${root}/node_modules/.bin/ts-node" --project "${root}/examples/tsconfig.json" .projenrc.ts

echo "examples/${name}: wrote"
node -e 'for (const f of require("./.projen/files.json").files) console.log("  " + f)'
