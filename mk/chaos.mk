# SPDX-License-Identifier: Apache-2.0
# make chaos: load with random SIGKILLs of either daemon, then the durability checks
# (scripts/chaos.sh; CHAOS_SECONDS, default 60; make check runs 20 s of it in
# tests/e2e/39-chaos.sh). make soak: sustained load, memory over time and latency percentiles
# (scripts/soak.sh; SOAK_SECONDS, default 300).

CHAOS_SECONDS ?= 60
SOAK_SECONDS  ?= 300
CHAOS_TOOLS   := $(O)/bin/postq $(O)/bin/postq-api $(O)/bin/postq-enclave \
                 $(O)/tests/tools/enclave_client $(O)/tests/tools/db_check

.PHONY: chaos soak
chaos: deps
	@$(MAKE) --no-print-directory $(CHAOS_TOOLS)
	@POSTQ_BUILD=$(O) scripts/chaos.sh $(CHAOS_SECONDS)

soak: deps
	@$(MAKE) --no-print-directory $(CHAOS_TOOLS)
	@POSTQ_BUILD=$(O) scripts/soak.sh $(SOAK_SECONDS)
