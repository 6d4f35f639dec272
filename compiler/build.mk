# cboxc -> $(BUILD)/cboxc (owned by the compiler work)
