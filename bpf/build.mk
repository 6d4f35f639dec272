# BPF stage templates -> $(BUILD)/bpf/*.bpf.o (owned by the data-plane work)
