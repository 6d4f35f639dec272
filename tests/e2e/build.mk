# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# End-to-end testbed (owned by the e2e work): the user-space relay SF and the
# test-e2e suite, which builds a namespace topology per scenario and runs
# real traffic through cboxc + cbox.

$(BUILD)/tests/e2e/cbx-relay: tests/e2e/relay.c
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

ALL += $(BUILD)/tests/e2e/cbx-relay

.PHONY: test-e2e
test-e2e: all
	@tests/e2e/run-suite.sh

TEST_SUITES += test-e2e
