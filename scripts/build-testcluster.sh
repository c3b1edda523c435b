#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok) from Go modules into a cache outside the repository.
# The cache key is a hash of go.mod + go.sum + the Go version, so a warm cache is reused
# and a changed recipe builds anew. The build goes to a temporary directory that is renamed
# into place only when every binary is there: a half-built cache is never used.
# Prints the cache directory (the bin dir) as its last line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod="$here/tools/testcluster"
k8s_version=$(awk '$1=="k8s.io/kubernetes" {print $2; exit}' "$mod/go.mod")

if [ -n "${FERRY_TEST_KUBE_BIN:-}" ]; then echo "$FERRY_TEST_KUBE_BIN"; exit 0; fi

command -v go >/dev/null || { echo "build-testcluster: Go is needed (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }
go_version=$(go env GOVERSION)
# Bump recipe= when the build commands below change in a way that changes the binaries.
recipe=1
key=$(cat "$mod/go.mod" "$mod/go.sum" <(echo "$go_version recipe=$recipe") | sha256sum | cut -c1-16)
cache_root="${FERRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}/testcluster"
dest="$cache_root/$key"

if [ -x "$dest/kube-apiserver" ] && [ -f "$dest/.complete" ]; then
  echo "build-testcluster: cache hit $dest" >&2
  echo "$dest"
  exit 0
fi

mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
# go.mod says go 1.26.0: an older Go (>= 1.21) fetches that toolchain from the module proxy.
export CGO_ENABLED=0 GOFLAGS=-trimpath
cd "$mod"
echo "build-testcluster: downloading modules" >&2
go mod download >&2
V=k8s.io/component-base/version
for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  echo "build-testcluster: building $cmd ($(( $(date +%s) - start ))s elapsed)" >&2
  go build -ldflags "-s -w -X $V.gitVersion=$k8s_version -X $V.gitMajor=1 -X $V.gitMinor=$(echo "$k8s_version" | cut -d. -f2)" \
    -o "$tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd" >&2
done
echo "build-testcluster: building kwok ($(( $(date +%s) - start ))s elapsed)" >&2
go build -ldflags "-s -w" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok >&2
echo "build-testcluster: building etcd ($(( $(date +%s) - start ))s elapsed)" >&2
go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 >&2

kwok_dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
mkdir -p "$tmp/kwok-stages"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  cp "$kwok_dir/kustomize/stage/$f" "$tmp/kwok-stages/"
done
chmod -R u+w "$tmp"
touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "build-testcluster: built in $(( $(date +%s) - start ))s into $dest" >&2
echo "$dest"
