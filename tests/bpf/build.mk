# BPF packet tests (test-bpf) and the stage benchmark (bench-stages).
BPF_TEST_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lelf

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(wildcard tests/bpf/*.h) bpf/templates/common_kern_user.h
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/bpf -o $@ $< $(LDFLAGS) $(BPF_TEST_LIBS)

# Bench builds of the stages (harness around the templates' inline entry
# points); kept out of $(BUILD)/bpf so that no bundle can pick them up.
BENCH_BPF_SRCS := $(sort $(wildcard tests/bpf/bench_*.bpf.c))
BENCH_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.bpf.o,$(BENCH_BPF_SRCS))

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c tests/bpf/bench_harness.h $(BPF_HDRS)
	$(MSG) BPF $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/bpf -c -o $@ $<

.PHONY: test-bpf bench-stages
test-bpf: $(BPF_OBJS) $(BUILD)/tests/bpf/test_bpf
	$(Q)$(BUILD)/tests/bpf/test_bpf $(BUILD)/bpf

bench-stages: $(BPF_OBJS) $(BENCH_BPF_OBJS) $(BUILD)/tests/bpf/bench_stages
	$(Q)$(BUILD)/tests/bpf/bench_stages $(BUILD)/bpf $(BUILD)/tests/bpf

TEST_SUITES += test-bpf
