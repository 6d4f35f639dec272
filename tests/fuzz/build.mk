# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# libFuzzer targets for the compiler (owned by the hardening work).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="json yaml"]
#       runs each target for FUZZ_SECONDS from the seed corpus (examples/,
#       tests/bad-specs/, the golden specs, tests/fuzz/regressions/) and
#       copies every crash, leak or timeout it finds into
#       tests/fuzz/regressions/<target>/; then the full million-frame
#       hostile-packet run of the data plane (hardening-full).
#   make test-fuzz-regressions
#       replays the seeds and the regressions through every target built
#       with ASan+UBSan but without libFuzzer (part of make test).
#
# The compiler objects are built by the compiler's own rules in a separate
# build directory, with clang and the sanitizers, so generated sources stay
# in sync with the product build.

FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_OBJ     := $(FUZZ_DIR)/obj
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_INC     := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		-D_GNU_SOURCE -Icompiler -Ibpf/templates -I/usr/include/cjson
FUZZ_LIB     := $(patsubst $(BUILD)/%,$(FUZZ_OBJ)/%,$(CBOXC_LIB_OBJS))
FUZZ_ALL     := json yaml tosca schema plan
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 60

FUZZ_SRC_json   := tests/fuzz/fuzz_frontend.c
FUZZ_SRC_yaml   := tests/fuzz/fuzz_frontend.c
FUZZ_SRC_tosca  := tests/fuzz/fuzz_frontend.c
FUZZ_SRC_schema := tests/fuzz/fuzz_schema.c
FUZZ_SRC_plan   := tests/fuzz/fuzz_plan.c
FUZZ_DEF_json   := -DFUZZ_FMT=CBOX_FMT_JSON
FUZZ_DEF_yaml   := -DFUZZ_FMT=CBOX_FMT_YAML
FUZZ_DEF_tosca  := -DFUZZ_FMT=CBOX_FMT_TOSCA

.PHONY: fuzz-objs fuzz fuzz-build test-fuzz-regressions test-fuzz-known-bugs

# The sub-make decides what is out of date; CFLAGS go through the
# environment so that the top Makefile still appends its -I and -W flags.
fuzz-objs:
	$(Q)env CC=$(CLANG) CFLAGS="$(FUZZ_CFLAGS)" LDFLAGS= \
		$(MAKE) --no-print-directory -s BUILD=$(FUZZ_OBJ) $(FUZZ_LIB)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_frontend.c tests/fuzz/fuzz_schema.c tests/fuzz/fuzz_plan.c fuzz-objs
	$(MSG) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_INC) $(FUZZ_DEF_$*) \
		-o $@ $(FUZZ_SRC_$*) $(FUZZ_LIB) $(CBOXC_LIBS)

$(FUZZ_DIR)/replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_frontend.c tests/fuzz/fuzz_schema.c tests/fuzz/fuzz_plan.c fuzz-objs
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_INC) $(FUZZ_DEF_$*) \
		-o $@ tests/fuzz/replay.c $(FUZZ_SRC_$*) $(FUZZ_LIB) $(CBOXC_LIBS)

fuzz-build: $(foreach t,$(FUZZ_TARGETS),$(FUZZ_DIR)/fuzz_$(t) $(FUZZ_DIR)/replay_$(t))

fuzz: fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		tests/fuzz/run-fuzz.sh $(FUZZ_TARGETS)
	@$(MAKE) --no-print-directory hardening-full

test-fuzz-regressions: $(foreach t,$(FUZZ_ALL),$(FUZZ_DIR)/replay_$(t))
	@FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/replay.sh regressions $(FUZZ_ALL)

# Crashes of bugs not fixed yet live in tests/fuzz/known-bugs/<target>/;
# this target shows them failing, and is not in TEST_SUITES.
test-fuzz-known-bugs: $(foreach t,$(FUZZ_ALL),$(FUZZ_DIR)/replay_$(t))
	@FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/replay.sh known-bugs $(FUZZ_ALL)

TEST_SUITES += test-fuzz-regressions

# The unit, schema-suite, bad-spec, example, golden and loader suites against
# cboxc, cbox and the unit tests built with clang -fsanitize=address,undefined
# in a separate build directory; any finding aborts the test that hit it.
ASAN_BUILD  ?= build-asan
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	       -fno-omit-frame-pointer
ASAN_SUITES ?= test-unit test-schema-suite test-bad-specs test-examples test-golden \
	       test-runtime test-hardening-loader

.PHONY: test-asan
test-asan:
	@env CC=$(CLANG) CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) $(ASAN_BUILD)/cboxc $(ASAN_BUILD)/cbox
	@env CC=$(CLANG) CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		CBOX_NO_VALGRIND=1 MAKEFLAGS="$(filter-out BUILD=%,$(MAKEFLAGS)) BUILD=$(ASAN_BUILD)" \
		tests/run-suites.sh $(ASAN_SUITES)
