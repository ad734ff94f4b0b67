# Toolchain, flags and foreign libraries (found with pkg-config).

CC       ?= cc
PKG      ?= pkg-config
PREFIX   ?= /usr/local
SAN      ?=
VERSION  := 0.1.0
SOVER    := 0

# Variants build out of tree in their own directory so objects never mix: ThreadSanitizer
# (SAN=thread) cannot be combined with AddressSanitizer, so it has a directory of its own.
comma    := ,
ifeq ($(strip $(SAN)),)
O        ?= build
else ifneq ($(filter thread,$(subst $(comma), ,$(SAN))),)
O        ?= build/tsan
else
O        ?= build/san
endif

WARN     := -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Wvla -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wundef -Wcast-qual
ifneq ($(CI),)
WARN     += -Werror
endif
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE
BASEFLAGS := -std=c11 $(WARN) -fPIC -fvisibility=hidden -fstack-protector-strong -pipe

ifeq ($(strip $(SAN)),)
HARDEN   := -D_FORTIFY_SOURCE=3
else
HARDEN   := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
SANLD    := -fsanitize=$(SAN)
endif

ALL_CFLAGS = $(BASEFLAGS) $(HARDEN) $(CFLAGS)
LDHARDEN   := -Wl,-z,relro,-z,now $(SANLD)

# Foreign libraries. Each crypto library and (later) network/storage library is used by one
# file (ARCHITECTURE.md, checked by make lint); jansson is the JSON data structure throughout.
LIB_PKGS   := libcrypto libsodium jansson libcurl
TEST_PKGS  := cmocka jansson
pkgcflags   = $(shell $(PKG) --cflags $(1) 2>/dev/null)
pkglibs     = $(shell $(PKG) --libs $(1) 2>/dev/null)

# Files named *_avx2.c hold the AVX2 code paths. Only they are compiled with AVX2 enabled, and
# nothing in them runs before the CPU check of src/common/cpu.c says the CPU has AVX2.
ifeq ($(shell uname -m),x86_64)
AVX2_CFLAGS := -mavx2 -mbmi2 -mpopcnt
# -O3: the fused NTT layers are fully unrolled, which removes most register spills (about 30%
# fewer instructions per NTT than at -O2).
AVX2_OPT    := -O3
endif
%_avx2.o: ISA_CFLAGS = $(AVX2_CFLAGS) $(AVX2_OPT)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ISA_CFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c -o $@ $<
