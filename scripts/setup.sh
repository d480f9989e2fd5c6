#!/bin/sh
# Installs what zccache needs to build, test and benchmark on Debian 12.
# Idempotent: a package already present costs one dpkg query.
set -eu

# musl-tools: the small client (build/zccache) starts faster against musl.
# valgrind: bench/hit-instructions.sh counts the daemon's work under callgrind.
packages="build-essential pkg-config libzstd-dev libsodium-dev libxxhash-dev musl-tools
libcmocka-dev clang cmake ninja-build googletest ccache sccache util-linux mount python3
gcc-12-locales valgrind"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "setup: installing$missing" >&2
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
