# Compile benchmark (owned by the planner work): `make bench-compile`, not
# part of `make test`. Generates specs of 1k, 10k and 100k chains (8 SFs
# each from 10k functions over 1k hosts), compiles each with --timings, and
# times the planner alone on the same shapes (bench/compile/plan_bench.c).

BENCH_COMPILE_SIZES ?= 1000 10000 100000
BENCH_COMPILE_DIR   ?= $(BUILD)/bench/compile

$(BUILD)/bench/plan_bench: bench/compile/plan_bench.c $(CBOXC_LIB_OBJS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(CBOXC_LIBS)

.PHONY: bench-compile
bench-compile: $(BUILD)/cboxc $(BPF_OBJS) $(BUILD)/bench/plan_bench
	@bench/compile/run.sh $(BUILD)/cboxc $(BUILD)/bpf $(BUILD)/bench/plan_bench \
		$(BENCH_COMPILE_DIR) $(BENCH_COMPILE_SIZES)
