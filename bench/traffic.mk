# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Benchmarks: traffic generator/sink (cbb-tg), experiment drivers, plots.
# bench/baseline/ and bench/compile/ keep their own rules.

CBB_DIR      := $(BUILD)/bench
# clang's own system include dirs, searched after ours, so that the BPF
# target finds asm/types.h (libbpf-bootstrap's trick)
CBB_BPF_SYS  := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
CBB_BPFFLAGS := -g -O2 -target bpf -Wall -Wextra -Werror -Wno-unused-parameter \
	-D__TARGET_ARCH_x86 $(CBB_BPF_SYS)

$(CBB_DIR)/trafficgen.bpf.o: bench/trafficgen/trafficgen.bpf.c bench/trafficgen/trafficgen.h
	$(MSG) CLANG $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CBB_BPFFLAGS) -Ibench/trafficgen -c -o $@ $<

$(CBB_DIR)/trafficgen.skel.h: $(CBB_DIR)/trafficgen.bpf.o
	$(MSG) GENSKEL $@
	$(Q)bpftool gen skeleton $< name trafficgen_bpf > $@

$(CBB_DIR)/cbb-tg: bench/trafficgen/cbb-tg.c bench/trafficgen/trafficgen.h $(CBB_DIR)/trafficgen.skel.h
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) -Ibench/trafficgen -I$(CBB_DIR) -o $@ $< $(LDFLAGS) -lbpf -lelf -lz -lpthread

$(CBB_DIR)/xdp_pass.bpf.o: bench/trafficgen/xdp_pass.bpf.c
	$(MSG) CLANG $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CBB_BPFFLAGS) -c -o $@ $<

ALL += $(CBB_DIR)/cbb-tg $(CBB_DIR)/xdp_pass.bpf.o

# The experiments (bench/run.py) need the whole product built: cboxc, cbox,
# the BPF stages, the e2e relay.
CBB_RESULTS := bench/results

.PHONY: bench bench-traffic bench-plots test-bench-smoke
bench: bench-traffic
	@for t in bench-stages bench-compile; do \
		if $(MAKE) --no-print-directory -n $$t >/dev/null 2>&1; then \
			$(MAKE) --no-print-directory $$t \
				>$(CBB_RESULTS)/$$t.txt 2>&1; rc=$$?; \
			cat $(CBB_RESULTS)/$$t.txt; [ $$rc -eq 0 ] || exit 1; \
		else echo "  bench: no target $$t yet, skipped"; fi; \
	done
	$(Q)$(MAKE) --no-print-directory bench-plots

bench-traffic: all
	$(Q)/usr/bin/python3 bench/run.py --out $(CBB_RESULTS)

bench-plots:
	$(Q)/usr/bin/python3 bench/plot.py $(CBB_RESULTS)

# One short run of every experiment, so that the benchmarks cannot rot.
test-bench-smoke: all
	$(Q)/usr/bin/python3 bench/run.py --smoke --out $(BUILD)/bench/smoke
	$(Q)/usr/bin/python3 bench/plot.py $(BUILD)/bench/smoke
# ~1 minute on this VM; passes reliably since the data path carries chains
# of any length (issue 7)
TEST_SUITES += test-bench-smoke
