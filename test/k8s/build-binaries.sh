#!/usr/bin/env bash
# Builds etcd, helm, kube-apiserver, kubectl and — for the single-node cluster
# of test/k8s/cluster — kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy and crictl from the Go module proxy into
# a cache outside the repository, one folder per name and version:
#   ${VILICUS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vilicus/tools}/<name>-<version>/<name>
# A binary already there is reused, so running this again is cheap.
# Versions come from versions.json; the wrapper modules in tools/ must agree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools_dir=${VILICUS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vilicus/tools}

version_of() {
  sed -n "s/^ *\"$1\": *\"\([^\"]*\)\".*/\1/p" "$here/versions.json"
}
kube_version=$(version_of kubernetes)
etcd_version=$(version_of etcd)
helm_version=$(version_of helm)
crictl_version=$(version_of crictl)

# The machine image installs Go under /usr/local/go; a bare PATH may not list it.
command -v go >/dev/null || { [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null || {
  echo "build-binaries.sh: Go is needed (go.mod of the wrappers asks for Go 1.26)" >&2
  exit 1
}

# Static binaries, no C toolchain needed; smaller without symbols.
export CGO_ENABLED=0
common_ldflags='-s -w'

# Fails when a wrapper module pins another version than versions.json.
check_pin() {
  local dir=$1 module=$2 want=$3 got
  got=$(cd "$dir" && go list -m -f '{{.Version}}' "$module")
  if [[ $got != "$want" ]]; then
    echo "build-binaries.sh: $dir pins $module $got but versions.json says $want" >&2
    exit 1
  fi
}

# build NAME VERSION COMMAND...: runs COMMAND with $out set to a temporary
# file, then moves it into place, so an interrupted build leaves nothing.
build() {
  local name=$1 version=$2
  shift 2
  local dest="$tools_dir/$name-$version/$name"
  if [[ -x $dest ]]; then
    echo "$name $version: cached at $dest"
    return
  fi
  mkdir -p "$(dirname "$dest")"
  echo "$name $version: building (many minutes the first time on a machine, seconds once Go's build cache is warm)"
  local start=$SECONDS
  out="$dest.partial.$$"
  trap 'rm -rf "$out" "$out.d"' EXIT
  "$@"
  mv "$out" "$dest"
  trap - EXIT
  echo "$name $version: built in $((SECONDS - start)) s, $(du -h "$dest" | cut -f1) at $dest"
}

# build_kubernetes CMD: any command of k8s.io/kubernetes listed in the
# wrapper's `tool (...)` block (kube-apiserver, kubectl, kubelet, …).
build_kubernetes() {
  local cmd=$1 dir="$here/tools/kubernetes" minor
  check_pin "$dir" k8s.io/kubernetes "$kube_version"
  minor=$(echo "$kube_version" | cut -d. -f2)
  # The version a release build stamps (hack/lib/version.sh); without it the
  # server reports v0.0.0-master and clients such as helm reject it.
  local ldflags="$common_ldflags"
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$dir" && go build -trimpath -ldflags="$ldflags" -o "$out" "k8s.io/kubernetes/cmd/$cmd")
}

build_etcd() {
  local dir="$here/tools/etcd"
  check_pin "$dir" go.etcd.io/etcd/server/v3 "$etcd_version"
  (cd "$dir" && go build -trimpath -ldflags="$common_ldflags" -o "$out" go.etcd.io/etcd/server/v3)
}

build_helm() {
  local gobin="$out.d" gomod minor
  # helm's Makefile stamps its version and the Kubernetes version of its
  # client libraries (client-go v0.37.x -> 1.37), read from helm's go.mod.
  gomod=$(cd / && go mod download -json "helm.sh/helm/v3@$helm_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")
  local ldflags="$common_ldflags -X helm.sh/helm/v3/internal/version.version=$helm_version"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
  done
  # Outside any module, so helm is built with its own go.mod's versions.
  (cd / && GOBIN="$gobin" go install -trimpath -ldflags="$ldflags" "helm.sh/helm/v3/cmd/helm@$helm_version")
  mv "$gobin/helm" "$out"
  rm -rf "$gobin"
}

build etcd "$etcd_version" build_etcd
build helm "$helm_version" build_helm
build kube-apiserver "$kube_version" build_kubernetes kube-apiserver
# The client at the server's version: the tests use it, not whatever kubectl
# is on the PATH (version skew, and a fresh machine may have none).
build kubectl "$kube_version" build_kubernetes kubectl

build_crictl() {
  local gobin="$out.d"
  # Its own go.mod's versions, like helm; the release build stamps the version here.
  local ldflags="$common_ldflags -X sigs.k8s.io/cri-tools/pkg/version.Version=$crictl_version"
  (cd / && GOBIN="$gobin" go install -trimpath -ldflags="$ldflags" "sigs.k8s.io/cri-tools/cmd/crictl@$crictl_version")
  mv "$gobin/crictl" "$out"
  rm -rf "$gobin"
}

# The node and the rest of the control plane (npm run k8s:cluster). The
# envtest suites need only the four above; VILICUS_K8S_BUILD=envtest stops here.
if [[ ${VILICUS_K8S_BUILD:-all} == envtest ]]; then exit 0; fi
for cmd in kube-controller-manager kube-scheduler kubelet kube-proxy; do
  build "$cmd" "$kube_version" build_kubernetes "$cmd"
done
build crictl "$crictl_version" build_crictl
