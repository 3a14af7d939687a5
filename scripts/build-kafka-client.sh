#!/usr/bin/env bash
# Builds the native part of the Kafka client the publisher uses (@confluentinc/kafka-javascript:
# librdkafka and its Node binding) from the sources in its npm package. Run by `npm ci` / `npm
# install` as this project's postinstall step.
#
# Why here and not in the package's own install script (which package.json's allowScripts turns
# off): that script first downloads a prebuilt binary from outside the npm registry, and when it
# cannot, builds librdkafka with `--install-deps`, which downloads OpenSSL, zlib and the rest from
# their projects' sites. Built with CKJS_LINKING=dynamic instead, librdkafka (the copy in the
# package) is configured against this machine's OpenSSL and zlib, and nothing is downloaded.
#
# Needs a C/C++ toolchain (g++, make), python3 (node-gyp), and the OpenSSL and zlib headers
# (Debian: apt-get install g++ make python3 libssl-dev zlib1g-dev pkg-config). Takes a few
# minutes; skipped when the module is built and loads already.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=node_modules/@confluentinc/kafka-javascript
die() { echo "build-kafka-client: $*" >&2; exit 1; }

[[ -d "$pkg" ]] || die "$pkg is missing: run npm ci first"
if node -e "require('./$pkg')" >/dev/null 2>&1; then
  exit 0
fi

missing=()
command -v g++ >/dev/null || command -v c++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ! pkg-config --exists openssl 2>/dev/null && [[ ! -f /usr/include/openssl/ssl.h ]]; then missing+=(libssl-dev); fi
if ! pkg-config --exists zlib 2>/dev/null && [[ ! -f /usr/include/zlib.h ]]; then missing+=(zlib1g-dev); fi
if ((${#missing[@]} > 0)); then
  die "building the Kafka client (librdkafka) needs ${missing[*]}: on Debian or Ubuntu, apt-get install -y ${missing[*]}; then run npm ci again"
fi

# node-gyp: npm puts it on PATH for install scripts; by hand, the copy bundled with npm.
gyp=(node-gyp)
if ! command -v node-gyp >/dev/null; then
  if [[ -n "${npm_config_node_gyp:-}" ]]; then
    gyp=(node "$npm_config_node_gyp")
  else
    gyp=(node "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js")
  fi
fi

echo "build-kafka-client: building librdkafka and its Node binding (a few minutes)"
started=$SECONDS
log="$(mktemp)"
if ! (cd "$pkg" && CKJS_LINKING=dynamic "${gyp[@]}" rebuild >"$log" 2>&1); then
  tail -n 40 "$log" >&2
  rm -f "$log"
  die "the build failed (log tail above)"
fi
rm -f "$log"
node -e "require('./$pkg')" || die "built, but the module does not load"
echo "build-kafka-client: built in $((SECONDS - started)) s"
