# make ct-test: the ctgrind check. make bench / bench-count: timings and instruction counts.

CT_OBJS := $(LIB_SRCS:%.c=$(O)/ct/%.o) $(O)/ct/tests/ct/ct_sign.o
DEPFILES += $(CT_OBJS:.o=.d)

$(O)/ct/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(call pkgcflags,$(LIB_PKGS)) -DPOSTQ_CT_TESTING $(ALL_CFLAGS) $(ISA_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/ct/ct_sign: $(CT_OBJS)
	$(CC) $(LDHARDEN) -o $@ $^ $(LIB_LIBS)

.PHONY: ct-bins ct-test bench bench-count bench-enclave
ct-bins: $(if $(strip $(SAN)),,$(O)/ct/ct_sign)

ct-test: deps
	@$(MAKE) --no-print-directory ct-bins
	@POSTQ_BUILD="$(O)" scripts/run-tests.sh tests/ct/ct-test.sh

BENCH_BIN   := $(O)/bench/bench
COUNT_BIN   := $(O)/bench/count
BENCH_OBJS  := $(O)/bench/bench.o
COUNT_OBJS  := $(O)/bench/count.o
ENCLAVE_BENCH_BIN  := $(O)/bench/enclave_bench
ENCLAVE_BENCH_OBJS := $(O)/bench/enclave_bench.o
DEPFILES    += $(BENCH_OBJS:.o=.d) $(COUNT_OBJS:.o=.d) $(ENCLAVE_BENCH_OBJS:.o=.d)

$(BENCH_BIN): $(BENCH_OBJS) $(LIB_A)
	$(CC) $(LDHARDEN) -o $@ $(BENCH_OBJS) $(LIB_A) $(LIB_LIBS)

$(COUNT_BIN): $(COUNT_OBJS) $(LIB_A)
	$(CC) $(LDHARDEN) -o $@ $(COUNT_OBJS) $(LIB_A) $(LIB_LIBS)

$(ENCLAVE_BENCH_BIN): $(ENCLAVE_BENCH_OBJS) $(PROTO_LIB_A) $(LIB_A)
	$(CC) $(LDHARDEN) -o $@ $(ENCLAVE_BENCH_OBJS) $(PROTO_LIB_A) $(LIB_A) $(LIB_LIBS)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	@$(BENCH_BIN)
	@$(MAKE) --no-print-directory bench-enclave
	@$(MAKE) --no-print-directory bench-api
	@$(MAKE) --no-print-directory bench-api-count
	@$(MAKE) --no-print-directory bench-sdk-js

# Signs per second through postq-enclave's socket vs the in-process sign + document.
bench-enclave: deps
	@$(MAKE) --no-print-directory $(ENCLAVE_BENCH_BIN) $(O)/bin/postq-enclave
	@$(ENCLAVE_BENCH_BIN) $(O)/bin/postq-enclave

bench-count: deps
	@$(MAKE) --no-print-directory $(COUNT_BIN)
	@scripts/bench-count.sh $(COUNT_BIN)

# POST /v1/sign through postq-api vs the same signs straight to the enclave (bench/api_bench.c).
API_BENCH_BIN  := $(O)/bench/api_bench
API_BENCH_OBJS := $(O)/bench/api_bench.o
DEPFILES       += $(API_BENCH_OBJS:.o=.d)
$(API_BENCH_BIN): $(API_BENCH_OBJS) $(PROTO_LIB_A) $(LIB_A)
	$(CC) $(LDHARDEN) -o $@ $(API_BENCH_OBJS) $(PROTO_LIB_A) $(LIB_A) $(LIB_LIBS) -lpthread

.PHONY: bench-api bench-api-count
bench-api: deps
	@$(MAKE) --no-print-directory $(API_BENCH_BIN) $(O)/bin/postq-enclave $(O)/bin/postq-api
	@$(API_BENCH_BIN) $(O) $(API_BENCH_SECONDS)
	@$(API_BENCH_BIN) --stores $(O) $(API_BENCH_SECONDS)

# Instructions per sign of postq-api and postq-enclave under callgrind (repeatable).
bench-api-count: deps
	@$(MAKE) --no-print-directory $(API_BENCH_BIN) $(O)/bin/postq-enclave $(O)/bin/postq-api
	@$(API_BENCH_BIN) --count $(O)
	@API_BENCH_ROOT=ed25519 $(API_BENCH_BIN) --count $(O)

# @postq/sdk's verification of a 1 MiB payload's sign result under Node (bench/sdk_verify.mjs).
.PHONY: bench-sdk-js
bench-sdk-js: deps
	@$(MAKE) --no-print-directory sdk-js $(O)/bin/postq $(O)/tests/tools/mkfixture
	@node bench/sdk_verify.mjs $(O)
