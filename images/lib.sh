# shellcheck shell=bash
# Shared by the image scripts (images/README.md): the cache layout, timing,
# sizes, archives. Sourced, never run.

images_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
images_cache=${VILICUS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vilicus/tools}/images

# Containers run with runc, named: Debian's podman pulls in crun too and then
# prefers it, and crun 1.8 refuses this machine's cgroups ("cgroups in hybrid
# mode not supported"); runc runs here (NOTES-k8s-node.md). Every podman and
# buildah call that starts a container passes it.
oci_runtime=/usr/sbin/runc

# The machine lacks CAP_SYS_RESOURCE: runc cannot raise rlimits, so every
# container gets limits it can keep (NOTES-k8s-node.md).
podman_run=(podman --runtime "$oci_runtime" run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

say() { printf 'images: %s\n' "$*"; }
die() {
  printf 'images: %s\n' "$*" >&2
  exit 1
}

# A short content hash of files (and of any extra strings after --).
hash_of() {
  local files=() extra=()
  while (($#)) && [[ $1 != -- ]]; do files+=("$1") && shift; done
  (($#)) && shift && extra=("$@")
  {
    ((${#files[@]})) && sha256sum "${files[@]}"
    printf '%s\n' "${extra[@]}"
  } | sha256sum | cut -c1-12
}

# Only one image run at a time per cache: two worktrees building at once
# would race on the same archives and tags.
lock_cache() {
  mkdir -p "$images_cache"
  exec 9>"$images_cache/.lock"
  flock 9
}

# timed LABEL COMMAND...: runs COMMAND, then prints how long it took.
timed() {
  local label=$1 start=$SECONDS
  shift
  "$@"
  say "$label: $((SECONDS - start)) s"
}

image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# Uncompressed size in MB (10^6 bytes, as podman and docker print it).
size_mb() {
  podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f", $1 / 1e6 }'
}

# save_archive NAME ARCHIVE: a docker-archive (`docker save` layout, the tag
# in manifest.json), which `ctr -n k8s.io images import` accepts as is.
save_archive() {
  local name=$1 archive=$2
  rm -f "$archive.partial"
  podman save --quiet --format docker-archive -o "$archive.partial" "$name"
  image_id "$name" >"$archive.id"
  mv "$archive.partial" "$archive"
}

# cached_archive NAME ARCHIVE: true when ARCHIVE holds NAME's current build;
# puts it back into podman's store (and on the tag) if another build moved it.
cached_archive() {
  local name=$1 archive=$2
  [[ -f $archive && -f $archive.id ]] || return 1
  if [[ $(image_id "$name") != "$(<"$archive.id")" ]]; then
    say "$name: loading $archive into podman"
    podman load --quiet -i "$archive" >/dev/null
  fi
  [[ $(image_id "$name") == "$(<"$archive.id")" ]]
}

# forget_others PREFIX KEEP: drops the archives of older builds of one image.
forget_others() {
  local prefix=$1 keep=$2 f
  for f in "$prefix"*.tar; do
    [[ -e $f && $f != "$keep" ]] && rm -f "$f" "$f.id"
  done
  return 0
}

# forget_other_dirs PARENT KEEP: drops the other cache entries under PARENT.
forget_other_dirs() {
  local d
  for d in "$1"/*/; do
    [[ ${d%/} != "$2" ]] && rm -rf "${d%/}"
  done
  return 0
}

# list_image LISTFILE NAME ARCHIVE: the line other tools read (README).
list_image() {
  printf '%s\t%s\t%s\n' "$2" "$(size_mb "$2")" "$3" >>"$1"
  say "$(printf '%-45s %7s MB  %s' "$2" "$(size_mb "$2")" "$3")"
}
