# Test suites registered in TEST_SUITES, each part in its own build.mk. The
# order is the order make test runs them: fast, machine-independent suites
# first, then those that load BPF, then those that build namespaces.
include tests/frontend.mk
include tests/golden/build.mk
include tests/fuzz/build.mk
include tests/bpf/build.mk
include tests/runtime/build.mk
include tests/hardening/build.mk
include tests/e2e/build.mk
