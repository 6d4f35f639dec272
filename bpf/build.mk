# BPF stage templates -> $(BUILD)/bpf/*.bpf.o (owned by the data-plane work).
# Each bpf/templates/*.bpf.c is one object; *.bpf.h are templates that the
# ten-line variants include, and cbox_*.h are the shared BPF headers.

BPF_SRCS    := $(sort $(wildcard bpf/templates/*.bpf.c))
BPF_OBJS    := $(patsubst bpf/templates/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS    := $(wildcard bpf/templates/*.h)

# clang -target bpf does not search the host's multiarch include dir, where
# asm/types.h lives; pass clang's own system dirs as -idirafter so they are
# searched last (the libbpf-bootstrap trick).
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS  ?= -g -O2
BPF_CFLAGS  += -target bpf -Wall -Wextra -Werror -Wno-unused-parameter \
	       -Ibpf/templates $(CLANG_BPF_SYS_INCLUDES)

# DWARF goes (llvm-strip -g keeps .BTF and .BTF.ext, which libbpf and the
# verifier's line info need): every box of a bundle carries a copy of these
# objects, and DWARF was about a third of their size.
LLVM_STRIP ?= llvm-strip

$(BUILD)/bpf/%.bpf.o: bpf/templates/%.bpf.c $(BPF_HDRS)
	$(MSG) BPF $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c -o $@ $<
	$(Q)$(LLVM_STRIP) -g $@

ALL += $(BPF_OBJS)

.PHONY: bpf
bpf: $(BPF_OBJS)
