# make fuzz: libFuzzer binaries (clang) for every tests/fuzz/fuzz_<target>.c, under
# build/fuzz/. make fuzz-run FUZZ_SECONDS=60 runs each for that long on a copy of its committed
# corpus (new inputs land in build/fuzz/corpus/<target>, not in the tree; the log in
# build/fuzz/<target>.log) and fails on the first finding. make test replays
# the committed corpora without libFuzzer (tests/unit/{attest,common,proto,server,sdk}/
# fuzz_replay_test.c, tests/unit/enclave/fuzz_*_replay_test.c). fuzz_api drives postq-api's handlers, so it also links the server's
# objects (all but main.o), libpostq-server's store, SQLite and libmicrohttpd.

FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_DIR     := build/fuzz
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIBOBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) $(PROTO_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_SECONDS ?= 60
FUZZ_SERVER_SRCS := $(filter-out src/server/main.c,$(wildcard src/server/*.c)) $(SERVER_LIB_SRCS)
FUZZ_SERVER_OBJS := $(FUZZ_SERVER_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CPPFLAGS) $(call pkgcflags,$(LIB_PKGS)) -DPOSTQ_BUILDING_LIB \
	    -std=c11 -g -O1 $(ISA_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBOBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(call pkgcflags,$(LIB_PKGS)) -std=c11 -g -O1 -fsanitize=fuzzer \
	    $(FUZZ_SAN) -o $@ $< $(FUZZ_EXTRA_OBJS) $(FUZZ_LIBOBJS) $(LIB_LIBS) $(FUZZ_EXTRA_LIBS)

$(FUZZ_SERVER_OBJS): FUZZ_CPPFLAGS = -I$(O)/gen $(call pkgcflags,$(SERVER_PKGS) $(API_PKGS))
$(FUZZ_DIR)/obj/src/store/store_sqlite.o: $(SCHEMA_H)
$(FUZZ_DIR)/obj/src/store/store_pg.o: $(PG_SCHEMA_H)
$(FUZZ_DIR)/fuzz_api: $(FUZZ_SERVER_OBJS)
$(FUZZ_DIR)/fuzz_api: FUZZ_EXTRA_OBJS = $(FUZZ_SERVER_OBJS) $(FUZZ_DIR)/obj/tests/lib/logsigner.o
$(FUZZ_DIR)/fuzz_api: $(FUZZ_DIR)/obj/tests/lib/logsigner.o
$(FUZZ_DIR)/fuzz_api: FUZZ_EXTRA_LIBS = $(SERVER_LIBS) $(call pkglibs,$(API_PKGS)) -lpthread
# fuzz_kek_blob opens software keys with postq-api's kek.c: the same objects.
$(FUZZ_DIR)/fuzz_tlog: $(FUZZ_DIR)/obj/tests/lib/logsigner.o
$(FUZZ_DIR)/fuzz_tlog: FUZZ_EXTRA_OBJS = $(FUZZ_DIR)/obj/tests/lib/logsigner.o
$(FUZZ_DIR)/fuzz_kek_blob: $(FUZZ_SERVER_OBJS)
$(FUZZ_DIR)/fuzz_kek_blob: FUZZ_EXTRA_OBJS = $(FUZZ_SERVER_OBJS)
$(FUZZ_DIR)/fuzz_kek_blob: FUZZ_EXTRA_LIBS = $(SERVER_LIBS) $(call pkglibs,$(API_PKGS)) -lpthread

.SECONDARY: $(FUZZ_LIBOBJS) $(FUZZ_SERVER_OBJS)
.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	@for t in $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t && cp tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/ && \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
	    if $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_DIR)/$$t- $(FUZZ_DIR)/corpus/$$t >$(FUZZ_DIR)/$$t.log 2>&1; then \
	        grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/$$t.log; \
	    else \
	        grep -E '^(==.*ERROR|SUMMARY|fuzz_|Test unit written)' $(FUZZ_DIR)/$$t.log; exit 1; \
	    fi; \
	done
