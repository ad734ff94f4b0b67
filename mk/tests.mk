# Tests: tests/unit/<module>/<name>_test.c -> $(O)/tests/<module>/<name>_test (cmocka).
# scripts/run-tests.sh runs them all and prints "N passed, N failed" last.

SHARED        ?= $(abspath ../shared)
TEST_SRCS     := $(wildcard tests/unit/*/*_test.c)
TEST_BINS     := $(TEST_SRCS:tests/unit/%.c=$(O)/tests/%)
TESTLIB_SRCS  := $(wildcard tests/lib/*.c)
TESTLIB_OBJS  := $(TESTLIB_SRCS:%.c=$(O)/%.o)
TEST_LIBS      = $(call pkglibs,$(TEST_PKGS)) $(LIB_LIBS)
DEPFILES      += $(TEST_SRCS:%.c=$(O)/%.d) $(TESTLIB_OBJS:.o=.d)
SCRIPT_TESTS  := scripts/lint.sh scripts/check-symbols.sh $(wildcard tests/crypto/*.sh) $(wildcard tests/js/*.sh) $(wildcard tests/cli/*.sh) $(wildcard tests/e2e/[0-9]*.sh) $(if $(strip $(SAN)),,tests/ct/ct-test.sh)

$(TEST_SRCS:%.c=$(O)/%.o) $(TESTLIB_OBJS): CPPFLAGS += -Itests/lib $(call pkgcflags,$(TEST_PKGS) $(LIB_PKGS))

# Test tools (no cmocka): programs the shell tests use to make real fixtures.
TOOL_SRCS     := $(wildcard tests/tools/*.c)
TOOL_BINS     := $(TOOL_SRCS:tests/tools/%.c=$(O)/tests/tools/%)
DEPFILES      += $(TOOL_SRCS:%.c=$(O)/%.d)
$(TOOL_SRCS:%.c=$(O)/%.o): CPPFLAGS += $(call pkgcflags,$(LIB_PKGS))
# Tests and tools link the internal archives too (the linker takes only what they use).
$(O)/tests/tools/%: $(O)/tests/tools/%.o $(PROTO_LIB_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDHARDEN) -o $@ $< $(PROTO_LIB_A) $(LIB_A) $(LIB_LIBS)

# make chaos's checker reads postq-api's SQLite file itself.
$(O)/tests/tools/db_check.o: CPPFLAGS += $(call pkgcflags,$(SERVER_PKGS))
$(O)/tests/tools/db_check: $(O)/tests/tools/db_check.o
	@mkdir -p $(@D)
	$(CC) $(LDHARDEN) -o $@ $< $(SERVER_LIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(TESTLIB_OBJS) $(PROTO_LIB_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDHARDEN) -o $@ $< $(TESTLIB_OBJS) $(TEST_SERVER_A) $(PROTO_LIB_A) $(LIB_A) $(TEST_LIBS) $(TEST_SERVER_LIBS)

# The store's tests also link the server library and SQLite.
$(O)/tests/unit/store/%.o: CPPFLAGS += $(call pkgcflags,$(SERVER_PKGS))
$(O)/tests/store/%: TEST_SERVER_A = $(SERVER_LIB_A)
$(O)/tests/store/%: TEST_SERVER_LIBS = $(SERVER_LIBS) -lpthread
$(filter $(O)/tests/store/%,$(TEST_BINS)): $(SERVER_LIB_A)

# The server's tests link postq-api's objects (all but main.o), the server library, SQLite and
# libmicrohttpd.
SERVER_TEST_OBJS := $(filter-out $(O)/src/server/main.o,$(SERVER_OBJS))
$(O)/tests/unit/server/%.o: CPPFLAGS += $(call pkgcflags,$(SERVER_PKGS) libmicrohttpd)
$(O)/tests/server/%: TEST_SERVER_A = $(SERVER_TEST_OBJS) $(SERVER_LIB_A)
$(O)/tests/server/%: TEST_SERVER_LIBS = $(SERVER_LIBS) $(call pkglibs,libmicrohttpd) -lpthread
$(filter $(O)/tests/server/%,$(TEST_BINS)): $(SERVER_TEST_OBJS) $(SERVER_LIB_A)

.PHONY: check tests test lint check-symbols
lint:
	@scripts/lint.sh

check-symbols: $(LIB_SO)
	@POSTQ_BUILD=$(O) scripts/check-symbols.sh

tests: $(TEST_BINS) $(TOOL_BINS) examples $(SDK_TEST_OUT)

# check: dependencies, every build output, then every test (unit, vectors, ct), beside a
# throwaway PostgreSQL server in $(O)/pg that scripts/with-pg.sh starts and stops.
check: deps
	@$(MAKE) --no-print-directory all tests ct-bins
	@POSTQ_SHARED="$(SHARED)" POSTQ_BUILD="$(O)" scripts/with-pg.sh $(O)/pg -- scripts/run-tests.sh $(TEST_BINS) $(SCRIPT_TESTS)

# Run the tests without the dependency step (faster while developing).
test: all tests ct-bins
	@POSTQ_SHARED="$(SHARED)" POSTQ_BUILD="$(O)" scripts/with-pg.sh $(O)/pg -- scripts/run-tests.sh $(TEST_BINS) $(SCRIPT_TESTS)
