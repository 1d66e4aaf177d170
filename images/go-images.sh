# shellcheck shell=bash
# The cluster images that are one static Go program FROM scratch: the
# wrapper modules in images/<dir>/ (go.mod, go.sum, main.go, Containerfile),
# built with -trimpath -ldflags='-s -w' into the cache. Sourced by
# images/cluster.sh after lib.sh.

command -v go >/dev/null || { [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH"; }
export CGO_ENABLED=0

# go_binary DIR OUT: the module's main package as a static binary.
go_binary() {
  local dir=$1 out=$2
  (cd "$images_repo/images/$dir" && go build -trimpath -ldflags='-s -w' -o "$out.partial" .)
  mv "$out.partial" "$out"
}

# build_scratch DIR NAME: DIR's Containerfile, DIR as the build context.
build_scratch() {
  buildah bud --quiet --runtime "$oci_runtime" --pull=never --format docker -f "$1/Containerfile" -t "$2" "$1" >/dev/null
}

# The wrapper must pin the version the tag claims (coredns) or say it (pause).
check_version() {
  local dir=$1 tag=$2 got
  case $dir in
    coredns) got=$(cd "$images_repo/images/coredns" && go list -m -f '{{.Version}}' github.com/coredns/coredns) ;;
    pause) got=v$(sed -n 's/^const version = "\(.*\)"$/\1/p' "$images_repo/images/pause/main.go") ;;
  esac
  [[ v${tag#v} == "$got" ]] || die "images/$dir builds $got, but the image is tagged $tag"
}

# ensure_go_image LIST DIR NAME
ensure_go_image() {
  local list=$1 dir=$2 name=$3 src="$images_repo/images/$2" key cache archive
  command -v go >/dev/null || die "Go is needed for $name (/usr/local/go/bin/go)"
  check_version "$dir" "${name##*:}"
  local files=("$src/go.mod" "$src/main.go" "$src/Containerfile")
  [[ ! -f $src/go.sum ]] || files+=("$src/go.sum")
  key=$(hash_of "${files[@]}" -- "$(go version)")
  cache="$images_cache/$dir/${name##*:}-$key"
  archive="$cache/$dir.tar"
  if ! cached_archive "$name" "$archive"; then
    mkdir -p "$cache"
    [[ -x $cache/$dir ]] || timed "go build $dir" go_binary "$dir" "$cache/$dir"
    # What upstream's CoreDNS image does, so that it binds :53 as 65532.
    [[ $dir != coredns ]] || setcap cap_net_bind_service=+ep "$cache/$dir"
    cp "$src/Containerfile" "$cache/Containerfile"
    local old
    old=$(image_id "$name" || true)
    timed "build $name" build_scratch "$cache" "$name"
    timed "save $name" save_archive "$name" "$archive"
    [[ -z $old || $old == "$(image_id "$name")" ]] || podman rmi "$old" >/dev/null 2>&1 || true
    forget_other_dirs "$images_cache/$dir" "$cache"
  fi
  list_image "$list" "$name" "$archive"
}
