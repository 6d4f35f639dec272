# Compile benchmark: `make bench-compile`, not part of `make test`.
# Generates specs of 1k, 10k and 100k chains (8 SFs each from 10k functions
# over 1k hosts), times the planner alone on the same shapes
# (bench/compile/plan_bench.c) and a full compile with --timings (parse,
# plan, emit, peak RSS), measures each bundle on disk, deletes it, and prints
# the growth factors; the numbers go to bench/results/compile.csv.

BENCH_COMPILE_SIZES ?= 1000 10000 100000
BENCH_COMPILE_DIR   ?= $(BUILD)/bench/compile
BENCH_COMPILE_CSV   ?= bench/results/compile.csv

$(BUILD)/bench/plan_bench: bench/compile/plan_bench.c $(CBOXC_LIB_OBJS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(CBOXC_LIBS)

.PHONY: bench-compile
bench-compile: $(BUILD)/cboxc $(BPF_OBJS) $(BUILD)/bench/plan_bench
	@bench/compile/run.sh $(BUILD)/cboxc $(BUILD)/bpf $(BUILD)/bench/plan_bench \
		$(BENCH_COMPILE_DIR) $(BENCH_COMPILE_CSV) $(BENCH_COMPILE_SIZES)
