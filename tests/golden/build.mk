# Golden bundle tests (owned by the planner work): every tests/golden/<case>/
# is compiled twice and diffed against its expected/ tree and against itself.
# `make golden-update` rewrites the expected trees (review the diff!).

GOLDEN_DEPS := $(BUILD)/cboxc $(BPF_OBJS)

.PHONY: test-golden golden-update
test-golden: $(GOLDEN_DEPS)
	@tests/golden/run.sh $(BUILD)/cboxc $(BUILD)/bpf

golden-update: $(GOLDEN_DEPS)
	@tests/golden/run.sh --update $(BUILD)/cboxc $(BUILD)/bpf

TEST_SUITES += test-golden

# The elfpatch and emitter unit tests load objects through libbpf, and the
# emitter test reads the real templates.
$(BUILD)/tests/unit/test_elfpatch $(BUILD)/tests/unit/test_emit: LDFLAGS += -lbpf
$(BUILD)/tests/unit/test_emit: | $(BPF_OBJS)
