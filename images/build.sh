#!/usr/bin/env bash
# npm run images: the server and agent images, built without a Docker engine
# or a registry (images/README.md). `npm run images -- --cluster` builds the
# test cluster's images instead (images/cluster.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case "${1:-}" in
  --cluster) exec bash "$here/cluster.sh" ;;
  '') ;;
  *)
    echo "usage: npm run images [-- --cluster]" >&2
    exit 2
    ;;
esac
# shellcheck source=images/lib.sh
source "$here/lib.sh"
# shellcheck source=images/node-base.sh
source "$here/node-base.sh"
# shellcheck source=images/node-runtime.sh
source "$here/node-runtime.sh"

version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$images_repo/package.json")
[[ -n $version ]] || die "no version in package.json"
# npm inside the build goes through the TLS-intercepting proxy: it needs the
# machine's CA bundle. Mounted for the RUN steps only, never in a layer.
ca_bundle=${VILICUS_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

# The build context as .dockerignore lets it in (its rules, over-approximated:
# every file of the allowed folders but tests and local state), the
# Dockerfile, the base and the version: any change there rebuilds the image.
product_key() {
  local name=$1
  (
    cd "$images_repo"
    {
      find package.json package-lock.json .dockerignore "Dockerfile.$name" cli contract server agent examples/checks -type f \
        ! -name '*.test.ts' ! -path '*/node_modules/*' ! -path '*/.vilicus/*' -print0 |
        sort -z | xargs -0 sha256sum
      echo "$base_key $runtime_key $version"
    } | sha256sum | cut -c1-12
  )
}

# npm's global config (<prefix>/etc/npmrc) points it at the CA bundle. Both
# sit in a folder mounted on /usr/local/etc, which the base already has, so
# the mount leaves no mount point behind in a layer (a file mount would).
# --layers: the two Dockerfiles' deps stages are the same steps, so the
# second build reuses the first one's `npm ci`. --format docker keeps the
# HEALTHCHECK, which the OCI format has no field for.
buildah_build() {
  local name=$1 image=$2 etc revision
  etc=$(mktemp -d)
  cp "$ca_bundle" "$etc/ca.crt"
  printf '%s\n' cafile=/usr/local/etc/ca.crt update-notifier=false fund=false audit=false >"$etc/npmrc"
  revision=$(git -C "$images_repo" rev-parse HEAD 2>/dev/null || echo unknown)
  buildah bud --quiet --runtime "$oci_runtime" --pull=never --network=host --layers --format docker \
    --volume "$etc:/usr/local/etc:ro" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -f "$images_repo/Dockerfile.$name" -t "$image" "$images_repo" >/dev/null
  rm -rf "$etc"
}

# build_product NAME LIST: docker.io/vilicus/NAME:<version>, built unless the
# cache holds the build of this very context.
build_product() {
  local name=$1 list=$2 image="docker.io/vilicus/$1:$version" key archive old
  key=$(product_key "$name")
  archive="$images_cache/vilicus-$name-$version-$key.tar"
  if cached_archive "$image" "$archive"; then
    say "$image: cached"
  else
    old=$(image_id "$image" || true)
    timed "build $image" buildah_build "$name" "$image"
    timed "save $image" save_archive "$image" "$archive"
    forget_others "$images_cache/vilicus-$name-" "$archive"
    # The build it replaces, unless something else still uses it.
    [[ -z $old ]] || podman rmi "$old" >/dev/null 2>&1 || true
  fi
  list_image "$list" "$image" "$archive"
}

main() {
  lock_cache
  timed "base $base_name" ensure_base
  timed "runtime $runtime_name" ensure_runtime
  local list="$images_cache/product.list"
  : >"$list.partial"
  for name in server agent; do
    timed "image docker.io/vilicus/$name:$version" build_product "$name" "$list.partial"
  done
  mv "$list.partial" "$list"
  say "sizes: $(cut -f1,2 "$list" | sed 's/\t/ /; s/$/ MB/' | paste -sd, - | sed 's/,/, /g')"
  say "archives for \`ctr -n k8s.io images import\`: $list"
}

start=$SECONDS
main
say "done in $((SECONDS - start)) s"
