# libpostq: static and shared, from src/common, src/crypto, src/attest and src/policy (more modules join as they land).

LIB_SRCS := $(wildcard src/common/*.c) $(wildcard src/crypto/*.c) $(wildcard src/crypto/mldsa/*.c) \
            $(wildcard src/attest/*.c) $(wildcard src/attest/vendor/*.c) $(wildcard src/policy/*.c) \
            $(wildcard src/proto/*.c) $(wildcard src/sdk/*.c)
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
