# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Chaining-Box: cboxc (compiler), cbox (loader), BPF stage templates.
# Each part keeps its own rules in <dir>/build.mk; this file only joins them.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)
MSG        = $(if $(filter 1,$(V)),@true,@printf '  %-8s %s\n')

CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
             -D_GNU_SOURCE -Ibpf/templates -Icompiler
LDFLAGS   ?=

# Targets the parts append to.
ALL       :=
# Test suites: make targets run one by one by tests/run-suites.sh.
TEST_SUITES :=

.DELETE_ON_ERROR:
.PHONY: all deps test demo bench clean golden-update

all: deps-quiet

include bpf/build.mk
include compiler/build.mk
include runtime/build.mk
include tests/build.mk
-include $(sort $(wildcard bench/*.mk))

all: $(ALL)

deps:
	@.ci/install-deps

deps-quiet:
	@.ci/install-deps --quiet

test: all
	@tests/run-suites.sh $(TEST_SUITES)

demo: all
	@tests/e2e/demo.sh

$(BUILD):
	$(Q)mkdir -p $@

clean:
	rm -rf $(BUILD)
