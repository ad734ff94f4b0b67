# libpostq, the SDK: static and shared, from src/common, src/crypto, src/attest and src/sdk.
# The enclave protocol (src/proto), which only the two daemons speak, is an internal archive
# of its own, libpostq-proto.a, never part of the SDK.

LIB_SRCS := $(wildcard src/common/*.c) $(wildcard src/crypto/*.c) $(wildcard src/crypto/mldsa/*.c) \
            $(wildcard src/attest/*.c) $(wildcard src/attest/vendor/*.c) \
            $(wildcard src/sdk/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIB_A    := $(O)/libpostq.a
LIB_SO   := $(O)/libpostq.so
LIB_LIBS  = $(call pkglibs,$(LIB_PKGS))
DEPFILES += $(LIB_OBJS:.o=.d)

$(LIB_OBJS): CPPFLAGS += $(call pkgcflags,$(LIB_PKGS)) -DPOSTQ_BUILDING_LIB

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libpostq.so.$(SOVER) $(LDHARDEN) -o $@.$(VERSION) $^ $(LIB_LIBS)
	ln -sf libpostq.so.$(VERSION) $@.$(SOVER)
	ln -sf libpostq.so.$(SOVER) $@

# libpostq-proto: the enclave protocol for postq-api, postq-enclave, their tests and benches.
PROTO_SRCS  := $(wildcard src/proto/*.c)
PROTO_OBJS  := $(PROTO_SRCS:%.c=$(O)/%.o)
PROTO_LIB_A := $(O)/libpostq-proto.a
DEPFILES    += $(PROTO_OBJS:.o=.d)

$(PROTO_OBJS): CPPFLAGS += $(call pkgcflags,$(LIB_PKGS))

$(PROTO_LIB_A): $(PROTO_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
