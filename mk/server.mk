# libpostq-server: the server-side modules (today src/store), kept out of libpostq so the SDK never
# depends on SQLite. The store's migrations (src/store/schema/NNN_*.sql) are embedded at build
# time: scripts/embed-sql.sh turns them into $(O)/gen/store/migrations.h, which store_sqlite.c
# includes.

SERVER_PKGS     := sqlite3
SERVER_LIB_SRCS := $(wildcard src/store/*.c)
SERVER_LIB_OBJS := $(SERVER_LIB_SRCS:%.c=$(O)/%.o)
SERVER_LIB_A    := $(O)/libpostq-server.a
SERVER_LIBS      = $(call pkglibs,$(SERVER_PKGS))
SCHEMA_SQL      := $(sort $(wildcard src/store/schema/*.sql))
SCHEMA_H        := $(O)/gen/store/migrations.h
DEPFILES        += $(SERVER_LIB_OBJS:.o=.d)

$(SERVER_LIB_OBJS): CPPFLAGS += -I$(O)/gen $(call pkgcflags,$(SERVER_PKGS))
$(O)/src/store/store_sqlite.o: $(SCHEMA_H)

$(SCHEMA_H): $(SCHEMA_SQL) scripts/embed-sql.sh
	@mkdir -p $(@D)
	scripts/embed-sql.sh $(SCHEMA_SQL) > $@

$(SERVER_LIB_A): $(SERVER_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
