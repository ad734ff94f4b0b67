# The three programs: one directory each under src/.

PROGRAMS := $(O)/bin/postq $(O)/bin/postq-api $(O)/bin/postq-enclave
prog_srcs = $(wildcard src/$(1)/*.c)
PROG_OBJS := $(foreach d,cli server enclave,$(call prog_srcs,$(d):%.c=$(O)/%.o))
CLI_OBJS     := $(patsubst %.c,$(O)/%.o,$(call prog_srcs,cli))
SERVER_OBJS  := $(patsubst %.c,$(O)/%.o,$(call prog_srcs,server))
ENCLAVE_OBJS := $(patsubst %.c,$(O)/%.o,$(call prog_srcs,enclave))
DEPFILES += $(CLI_OBJS:.o=.d) $(SERVER_OBJS:.o=.d) $(ENCLAVE_OBJS:.o=.d)
PROG_LDFLAGS = -pie $(LDHARDEN)

$(CLI_OBJS) $(SERVER_OBJS) $(ENCLAVE_OBJS): ALL_CFLAGS += -fPIE
$(CLI_OBJS) $(SERVER_OBJS) $(ENCLAVE_OBJS): CPPFLAGS += $(call pkgcflags,$(LIB_PKGS))

$(O)/bin/postq: $(CLI_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(PROG_LDFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(LIB_LIBS)

# postq-api links the server library (the store), SQLite and libmicrohttpd (http.c only).
API_PKGS := libmicrohttpd
$(SERVER_OBJS): CPPFLAGS += $(call pkgcflags,$(API_PKGS) $(SERVER_PKGS))

$(O)/bin/postq-api: $(SERVER_OBJS) $(SERVER_LIB_A) $(PROTO_LIB_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(PROG_LDFLAGS) -o $@ $(SERVER_OBJS) $(SERVER_LIB_A) $(PROTO_LIB_A) $(LIB_A) $(LIB_LIBS) \
	    $(SERVER_LIBS) $(call pkglibs,$(API_PKGS)) -lpthread

$(O)/bin/postq-enclave: $(ENCLAVE_OBJS) $(PROTO_LIB_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(PROG_LDFLAGS) -o $@ $(ENCLAVE_OBJS) $(PROTO_LIB_A) $(LIB_A) $(LIB_LIBS)
