#!/usr/bin/env bash
# npm run images -- --cluster: the images the test cluster needs and no
# registry here can give (images/README.md): PostgreSQL under the chart's
# default name, the pause (sandbox) image and CoreDNS, each saved as an
# archive for `ctr -n k8s.io images import`, listed in cluster.list.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=images/lib.sh
source "$here/lib.sh"
# shellcheck source=images/node-base.sh
source "$here/node-base.sh"
# shellcheck source=images/postgres.sh
source "$here/postgres.sh"
# shellcheck source=images/go-images.sh
source "$here/go-images.sh"

main() {
  lock_cache
  local list="$images_cache/cluster.list"
  : >"$list.partial"
  timed "image postgres" ensure_postgres "$list.partial"
  timed "image pause" ensure_go_image "$list.partial" pause registry.k8s.io/pause:3.10.2
  timed "image coredns" ensure_go_image "$list.partial" coredns registry.k8s.io/coredns/coredns:v1.14.6
  mv "$list.partial" "$list"
  say "archives for \`ctr -n k8s.io images import\`: $list"
}

start=$SECONDS
main
say "done in $((SECONDS - start)) s"
