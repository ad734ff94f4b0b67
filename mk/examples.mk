# make examples: the SDK's example programs (examples/*.c -> $(O)/examples/NAME), linked
# against the static library. tests/e2e/41-sdk.sh runs them against a live server, and
# tests/e2e/42-install.sh builds three_calls.c again against an installed prefix with
# `pkg-config --cflags --libs postq`.

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(O)/examples/%)
DEPFILES     += $(EXAMPLE_SRCS:%.c=$(O)/%.d)

$(O)/examples/%: $(O)/examples/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDHARDEN) -o $@ $< $(LIB_A) $(LIB_LIBS)

.PHONY: examples
examples: $(EXAMPLE_BINS)

.SECONDARY: $(EXAMPLE_SRCS:%.c=$(O)/%.o)
