# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Hardening of the data plane and the loader (owned by the hardening work):
# hostile packets through every real stage object, proxy-table flood,
# anti-spoofing, loop safety, loader robustness.

HARD_DIR    := $(BUILD)/tests/hardening
HARD_LIBS   := -lbpf -lelf -lz
HARD_COMMON := tests/hardening/hh.c tests/hardening/pktgen.c
HARD_HDRS   := $(wildcard tests/hardening/*.h) bpf/templates/common_kern_user.h
# frames per stage: a quick run in make test, the full million in make fuzz
HARD_FRAMES      ?= 50000
HARD_FRAMES_FULL ?= 1000000

$(HARD_DIR)/pktfuzz: tests/hardening/pktfuzz.c $(HARD_COMMON) $(HARD_HDRS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/hardening -o $@ $(filter %.c,$^) $(LDFLAGS) $(HARD_LIBS)

$(HARD_DIR)/dpsafety: tests/hardening/dpsafety.c $(HARD_COMMON) $(HARD_HDRS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/hardening -o $@ $(filter %.c,$^) $(LDFLAGS) $(HARD_LIBS)

HARD_BINS := $(HARD_DIR)/pktfuzz $(HARD_DIR)/dpsafety

.PHONY: test-hardening hardening-full
test-hardening: $(HARD_BINS) $(BPF_OBJS)
	$(HARD_DIR)/pktfuzz -n $(HARD_FRAMES) $(BUILD)/bpf
	$(HARD_DIR)/dpsafety $(BUILD)/bpf

# The full million frames per stage (part of make fuzz), with timings.
hardening-full: $(HARD_DIR)/pktfuzz $(BPF_OBJS)
	$(HARD_DIR)/pktfuzz -n $(HARD_FRAMES_FULL) $(BUILD)/bpf
TEST_SUITES += test-hardening

# cboxc under valgrind on every golden case (check, compile, graph).
.PHONY: test-valgrind-golden
test-valgrind-golden: $(BUILD)/cboxc $(BPF_OBJS)
	@tests/hardening/valgrind-golden.sh $(BUILD)/cboxc $(BUILD)/bpf

TEST_SUITES += test-valgrind-golden

# Loader robustness with real traffic in cbh-* namespaces (root).
$(HARD_DIR)/udpflow: tests/hardening/udpflow.c
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

LOADER_PPS  ?= 2000
LOADER_SECS ?= 6
.PHONY: test-hardening-loader bench-upgrade
test-hardening-loader: $(HARD_DIR)/udpflow $(BUILD)/cboxc $(BUILD)/cbox $(BPF_OBJS)
	@BUILD=$(BUILD) tests/hardening/loader.sh -r $(LOADER_PPS) -t $(LOADER_SECS)

# The full figure: upgrades under 100k pps (not part of make test).
bench-upgrade: $(HARD_DIR)/udpflow $(BUILD)/cboxc $(BUILD)/cbox $(BPF_OBJS)
	@BUILD=$(BUILD) tests/hardening/loader.sh -r 100000 -t 9 steady upgrade
TEST_SUITES += test-hardening-loader
