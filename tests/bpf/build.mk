# BPF packet tests (test-bpf) and the stage benchmark (bench-stages).
BPF_TEST_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lelf

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(wildcard tests/bpf/*.h) bpf/templates/common_kern_user.h
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/bpf -o $@ $< $(LDFLAGS) $(BPF_TEST_LIBS)

.PHONY: test-bpf bench-stages
test-bpf: $(BPF_OBJS) $(BUILD)/tests/bpf/test_bpf
	$(Q)$(BUILD)/tests/bpf/test_bpf $(BUILD)/bpf

bench-stages: $(BPF_OBJS) $(BUILD)/tests/bpf/bench_stages
	$(Q)$(BUILD)/tests/bpf/bench_stages $(BUILD)/bpf

TEST_SUITES += test-bpf
