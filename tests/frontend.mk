# Front end suites: the JSON-Schema-Test-Suite runner, the bad-spec corpus,
# the examples. (Unit tests live in tests/unit and run in test-unit.)

SCHEMA_SUITE_DIR ?= /usr/share/json-schema-test-suite/tests/draft7

$(BUILD)/tests/schema-suite/runner: tests/schema-suite/runner.c $(CBOXC_LIB_OBJS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(CBOXC_LIBS)

.PHONY: test-schema-suite test-bad-specs test-examples
test-schema-suite: $(BUILD)/tests/schema-suite/runner
	@$(BUILD)/tests/schema-suite/runner $(SCHEMA_SUITE_DIR)

# The corpus runs against an ASan+UBSan build of cboxc: a crash, an
# out-of-bounds access, undefined behaviour or a leak fails the case.
# (CBOX_VALGRIND=1 tests/bad-specs/run.sh build/cboxc uses valgrind instead.)
$(BUILD)/asan/cboxc: $(CBOXC_SRCS) $(BUILD)/gen/cbox_schema.c $(wildcard compiler/*.h) bpf/templates/common_kern_user.h
	$(MSG) CC-ASAN $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer \
		-I/usr/include/cjson -o $@ $(CBOXC_SRCS) $(BUILD)/gen/cbox_schema.c \
		$(LDFLAGS) $(CBOXC_LIBS)

test-bad-specs: $(BUILD)/asan/cboxc
	@tests/bad-specs/run.sh $(BUILD)/asan/cboxc

test-examples: $(BUILD)/cboxc
	@examples/check.sh $(BUILD)/cboxc

TEST_SUITES += test-schema-suite test-bad-specs test-examples
