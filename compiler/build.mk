# cboxc -> $(BUILD)/cboxc. Every compiler/*.c is part of it; unit tests in
# tests/unit/test_*.c link against all of them but main.c.
CBOXC_SRCS := $(sort $(wildcard compiler/*.c))
CBOXC_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CBOXC_SRCS))
# schema/cbox.schema.json, embedded so that cboxc is self-contained
CBOXC_OBJS += $(BUILD)/gen/cbox_schema.o
CBOXC_LIB_OBJS := $(filter-out $(BUILD)/compiler/main.o,$(CBOXC_OBJS))
CBOXC_LIBS := $(shell pkg-config --libs libcjson yaml-0.1 2>/dev/null || echo -lcjson -lyaml) -lcrypto -lm

$(BUILD)/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) bpf/templates/common_kern_user.h
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I/usr/include/cjson -c -o $@ $<

$(BUILD)/gen/cbox_schema.c: schema/cbox.schema.json
	$(MSG) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* generated from $< by compiler/build.mk */'; \
	  echo 'const char cbox_schema_text[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; \
	  echo "const unsigned int cbox_schema_text_len = $$(wc -c < $<);"; } > $@

$(BUILD)/gen/cbox_schema.o: $(BUILD)/gen/cbox_schema.c
	$(MSG) CC $@
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/cboxc: $(CBOXC_OBJS)
	$(MSG) LINK $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(CBOXC_LIBS)

ALL += $(BUILD)/cboxc

# cmocka unit tests: one binary per tests/unit/test_*.c
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(CBOXC_LIB_OBJS)
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I/usr/include/cjson -Itests/unit -o $@ $^ $(LDFLAGS) $(CBOXC_LIBS) -lcmocka

.PHONY: test-unit
test-unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do echo "--- $$t"; $$t || rc=1; done; exit $$rc

TEST_SUITES += test-unit
