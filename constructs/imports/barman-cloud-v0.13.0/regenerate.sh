#!/usr/bin/env bash
# Regenerates the TypeScript in this directory with `cdk8s import`, one module per CRD the constructs use.
# Usage: regenerate.sh [CRD_DIR]
#   CRD_DIR holds the Barman Cloud plugin v0.13.0 CRD named ObjectStore.yaml (default:
#   ../shared/crds/barman-cloud-v0.13.0 next to the repository). cdk8s-cli runs from a scratch
#   directory, so the project's node_modules and package-lock.json are never touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
crds=$(cd "${1:-$repo/../shared/crds/barman-cloud-v0.13.0}" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
for kind in ObjectStore; do
  module=$(tr '[:upper:]' '[:lower:]' <<<"$kind")
  npx --yes cdk8s-cli@2.207.60 import --no-check-upgrade --no-save --language typescript --output "$scratch/out" "$module:=$crds/$kind.yaml" >/dev/null
done
rm -f "$here"/*-barmancloud.cnpg.io.ts
cp "$scratch"/out/*.ts "$here/"
