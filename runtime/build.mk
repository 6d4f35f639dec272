# cbox -> $(BUILD)/cbox (owned by the loader work)
CBOX_SRCS := $(sort $(wildcard runtime/*.c))
CBOX_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CBOX_SRCS))
CBOX_LIBS := $(shell pkg-config --libs libbpf libcjson 2>/dev/null || echo -lbpf -lelf -lz -lcjson) -lcrypto

$(BUILD)/runtime/%.o: runtime/%.c runtime/cbox.h bpf/templates/common_kern_user.h
	$(MSG) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iruntime -c -o $@ $<

$(BUILD)/cbox: $(CBOX_OBJS)
	$(MSG) LINK $@
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(CBOX_LIBS)

ALL += $(BUILD)/cbox
