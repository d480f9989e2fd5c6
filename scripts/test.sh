#!/bin/sh
# Builds zccache and runs every test: unit tests and the integration suite
# (including whole-project builds of zccache itself and googletest) through
# the daemon, the compile-level topics again in-process, then unit and
# integration again under AddressSanitizer + UndefinedBehaviorSanitizer,
# and the daemon's topics under ThreadSanitizer (a sanitizer report in a
# daemon's log fails its test).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/setup.sh

echo "== build"
make -s -j2
echo "== unit tests"
make -s unit
echo "== integration tests"
ZCCACHE_TEST_SLOW=1 ZCCACHE="$top/build/zccache" tests/integration/run.sh -j2
echo "== integration tests, in-process (no daemon)"
ZCCACHE_TEST_NODAEMON=1 ZCCACHE="$top/build/zccache" tests/integration/run.sh -j2 \
	basic/ failing/ outputs/ headers/ masquerade/ pch/ regressions/ rsp/ store/ uncacheable/ unusable/

echo "== under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
make -s -j2 BUILD=build-asan SANITIZE=address,undefined
make -s BUILD=build-asan SANITIZE=address,undefined unit
ZCCACHE="$top/build-asan/zccache" tests/integration/run.sh -j2

echo "== the daemon's threads under ThreadSanitizer"
export TSAN_OPTIONS=halt_on_error=0
make -s -j2 BUILD=build-tsan SANITIZE=thread
ZCCACHE="$top/build-tsan/zccache" tests/integration/run.sh -j2 daemon/ race/ fallback/ client/
echo "== all tests passed"
