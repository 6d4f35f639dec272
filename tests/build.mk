# Test suites registered in TEST_SUITES; each part adds its own here or in
# its own build.mk.
include tests/e2e/build.mk
include tests/hardening/build.mk
include tests/golden/build.mk
include tests/frontend.mk
include tests/fuzz/build.mk
include tests/bpf/build.mk
include tests/runtime/build.mk
