# Loader suite: cbox on real veths in fresh cbr-* namespaces (root).
.PHONY: test-runtime
test-runtime: $(BUILD)/cbox $(BUILD)/cboxc
	@BUILD=$(BUILD) /usr/bin/python3 tests/runtime/test_runtime.py

TEST_SUITES += test-runtime
