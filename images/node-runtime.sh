# shellcheck shell=bash
# The recipe of the agent's runtime base: only what the `node` binary needs
# to run one bundled file. Debian bookworm's libc6, libstdc++6 (with
# libgcc-s1), tzdata and ca-certificates, unpacked by mmdebstrap's `extract`
# variant (no maintainer scripts: nothing in it needs a shell), and the very
# `node` of the local node:24-slim base. No shell, no npm, no package
# manager, no /usr/bin. Sourced by images/build.sh after node-base.sh and
# ensure_base (it reads the base's root filesystem).

runtime_name=docker.io/vilicus/node-runtime:$node_version-$debian_suite
runtime_packages=(libc6 libstdc++6 libgcc-s1 tzdata ca-certificates)

# What of the unpacked packages the runtime keeps: the dynamic loader and the
# C/C++ libraries node links (ldd), time zones, the CA bundle made below, the
# packages' copyright files and their dpkg records (status.d, as distroless
# images have, so image scanners know what is inside). Their dependencies'
# other files (openssl, debconf, perl-base from ca-certificates; gconv
# modules, man pages) stay out.
runtime_keep=(
  lib64 lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/libstdc++.so.6 usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30
  usr/share/zoneinfo etc/ssl/certs/ca-certificates.crt usr/share/doc var/lib/dpkg/status.d
  etc/passwd etc/group tmp usr/local/bin/node
)

# runtime_rootfs TAR: the runtime's root filesystem as one tarball.
runtime_rootfs() {
  local tar=$1 root pkg deb
  root=$(mktemp -d)
  debian_mirrors "$debian_suite" |
    mmdebstrap --quiet --variant=extract --include="$(
      IFS=,
      echo "${runtime_packages[*]}"
    )" --skip=cleanup/apt/cache --format=directory "$debian_suite" "$root" - >"$tar.log" 2>&1 ||
    die "mmdebstrap failed: $(tail -n 30 "$tar.log")"
  # What ca-certificates' postinst would make (it needs a shell and openssl's c_rehash).
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$root/var/lib/dpkg/status.d" "$root/usr/local/bin"
  for pkg in "${runtime_packages[@]}" gcc-12-base; do
    deb=$(compgen -G "$root/var/cache/apt/archives/${pkg}_*.deb" | head -n 1) || die "no .deb of $pkg"
    dpkg-deb --field "$deb" >"$root/var/lib/dpkg/status.d/$pkg"
  done
  find "$root/usr/share/doc" -mindepth 2 -regextype posix-extended ! -regex '.*/usr/share/doc/[^/]+/copyright' -delete
  find "$root/usr/share/doc" -mindepth 1 -maxdepth 1 -type d | while read -r d; do
    [[ " ${runtime_packages[*]} gcc-12-base " == *" ${d##*/} "* ]] || rm -rf "$d"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -xf "$images_cache/base/$base_key/rootfs.tar" -C "$root" ./usr/local/bin/node
  tar --numeric-owner -C "$root" -cf "$tar.partial" "${runtime_keep[@]}"
  rm -rf "$root"
  mv "$tar.partial" "$tar"
}

# The runtime runs node, as nobody, with no shell to run anything else.
check_runtime() {
  local out
  out=$("${podman_run[@]}" --network=none --user 65534:65534 "$runtime_name" \
    node -e 'const fs = require("node:fs"); console.log(process.version, fs.existsSync("/bin/sh"), fs.existsSync("/usr/local/bin/npm"), Intl.DateTimeFormat("en", { timeZone: "Europe/Paris" }).resolvedOptions().timeZone)')
  [[ $out == "v$node_version false false Europe/Paris" ]] || die "$runtime_name is not what it should be: $out"
  say "$runtime_name: node $node_version, no shell, no npm, $(size_mb "$runtime_name") MB"
}

# ensure_runtime: sets runtime_key (the agent image's key includes it).
ensure_runtime() {
  local key dir old
  key="$base_key-runtime-$(hash_of "$images_repo/images/node-runtime.sh")"
  dir="$images_cache/runtime/$key"
  if [[ ! -f $dir/rootfs.tar ]]; then
    say "$runtime_name: making the root filesystem (mmdebstrap --variant=extract, under a minute)"
    mkdir -p "$dir"
    timed "runtime rootfs $key" runtime_rootfs "$dir/rootfs.tar"
  fi
  if [[ ! -f $dir/rootfs.id || $(image_id "$runtime_name") != "$(<"$dir/rootfs.id")" ]]; then
    old=$(image_id "$runtime_name" || true)
    podman import --quiet \
      --change 'ENV PATH=/usr/local/bin' \
      --change "ENV NODE_VERSION=$node_version" \
      --change 'CMD ["node"]' \
      "$dir/rootfs.tar" "$runtime_name" >/dev/null
    check_runtime
    image_id "$runtime_name" >"$dir/rootfs.id"
    [[ -z $old ]] || podman rmi "$old" >/dev/null 2>&1 || true
  fi
  forget_other_dirs "$images_cache/runtime" "$dir"
  runtime_key=$key
}
