# cbox -> $(BUILD)/cbox (owned by the loader work)
