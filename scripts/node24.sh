#!/usr/bin/env bash
# Ensures Node.js 24 is available without touching the system node, and prints the directory
# that holds its `node` binary, so callers can do: PATH="$(bash scripts/node24.sh):$PATH".
# Only that directory goes to stdout; progress goes to stderr so command substitution stays clean.
set -euo pipefail

readonly NODE_VERSION=24.22.3
cache="${DOMAIN_GUARD_CACHE:-$HOME/.cache/domain-guard}"
home="$cache/node-$NODE_VERSION"

# A node 24 already first on PATH (a developer's own install, or ours from an outer script) is
# good enough: the project needs the 24 line, not this exact patch release.
if command -v node >/dev/null 2>&1 && [[ "$(node --version 2>/dev/null)" == v24.* ]]; then
  dirname "$(command -v node)"
  exit 0
fi

if [[ -x "$home/package/bin/node" ]] \
  && [[ "$("$home/package/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
  echo "$home/package/bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "node24.sh: unsupported CPU $(uname -m)" >&2
    exit 1
    ;;
esac

mkdir -p "$cache"
# Two callers may race on a fresh machine (e.g. test.sh and .ci/run); the lock makes the second
# one wait and then find the finished install instead of unpacking over it.
exec 8>"$cache/.node-$NODE_VERSION.lock"
flock 8
if [[ ! -x "$home/package/bin/node" ]]; then
  echo "node24.sh: fetching Node $NODE_VERSION (npm package node-linux-$arch)" >&2
  tmp="$(mktemp -d "$cache/.node-tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The official Node binaries are also published as an npm package, which the npm client can
  # fetch from the registry this machine can reach; `npm pack` downloads without installing.
  tgz="$(cd "$tmp" && npm pack "node-linux-$arch@$NODE_VERSION" --silent | tail -n 1)"
  mkdir "$tmp/unpacked"
  tar -xzf "$tmp/$tgz" -C "$tmp/unpacked"
  if [[ ! -x "$tmp/unpacked/package/bin/node" ]]; then
    echo "node24.sh: package node-linux-$arch@$NODE_VERSION has no bin/node" >&2
    exit 1
  fi
  rm -rf "$home"
  # Rename last so an interrupted download never leaves a half-unpacked node behind.
  mv "$tmp/unpacked" "$home"
fi
echo "$home/package/bin"
