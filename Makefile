# SPDX-License-Identifier: Apache-2.0
# PostQ: one non-recursive Makefile; the pieces live in mk/*.mk.
#
#   make                 library + programs under build/
#   make check           install what is missing, build, run every test
#   make check SAN=address,undefined | SAN=thread
#   make bench | bench-count | ct-test | install PREFIX=… DESTDIR=…
#   make chaos [CHAOS_SECONDS=300] | soak [SOAK_SECONDS=300]
#   make sdk-js | web | sdk-js-pack (the TypeScript SDK and the dashboard: mk/js.mk)

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

include mk/config.mk
include mk/lib.mk
include mk/server.mk
include mk/programs.mk
include mk/js.mk
include mk/tests.mk
include mk/bench.mk
include mk/install.mk
include mk/fuzz.mk
include mk/examples.mk
include mk/chaos.mk

.PHONY: all deps clean run
all: $(LIB_A) $(LIB_SO) $(SERVER_LIB_A) $(PROTO_LIB_A) $(PROGRAMS) web sdk-js

deps:
	@scripts/install-deps.sh

# make run DB=postgres: the same stack on a PostgreSQL server of its own under ./var/pg.
run: deps
	@$(MAKE) --no-print-directory all
	@POSTQ_RUN_DB="$(DB)" scripts/run.sh

clean:
	rm -rf build

-include $(DEPFILES)
