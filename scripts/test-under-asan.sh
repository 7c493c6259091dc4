#!/usr/bin/env bash
# The test suite again, built with AddressSanitizer: the wire code reads and writes raw
# memory (heads and cookies scanned eight bytes at a time, heads written in place), where an
# out-of-bounds read would be a security bug rather than a crash.
#
#   scripts/test-under-asan.sh       (builds in .build-asan; beside a throw-away PostgreSQL,
#                                     as scripts/with-test-postgres.sh runs the suite)
#
# Two things of the toolchain's are set aside, not of ours: the suites that start processes
# (Foundation's Process.run reads past a buffer of its own under ASan, in
# findMaximumOpenFromProcSelfFD), and leak detection (XCTest's harness leaks a few hundred
# bytes at exit, though no XCTest runs). Linked with lld: gold prints a warning for each of
# the sanitizer runtime's ~140 local symbols. Swift's own crash backtracer is off: reading a
# crashed process's memory, it trips the sanitizer and hangs instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
starts_processes='LargeBodyStreamingTests|CurlTests|CommandLineTests|SQLiteStoreTests|SchemaMigrationTests'
ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no exec scripts/with-test-postgres.sh \
  swift test --sanitize=address -Xswiftc -use-ld=lld --scratch-path .build-asan --skip "$starts_processes"
