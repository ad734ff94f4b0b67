# libpostq-server: the server-side modules (today src/store), kept out of libpostq so the SDK never
# depends on SQLite or libpq. The store's migrations (src/store/schema/NNN_*.sql, and the same in
# PostgreSQL's dialect under src/store/schema/pg/) are embedded at build time: scripts/embed-sql.sh
# turns them into $(O)/gen/store/migrations.h and pg_migrations.h, which store_sqlite.c and
# store_pg.c include.

SERVER_PKGS     := sqlite3 libpq
SERVER_LIB_SRCS := $(wildcard src/store/*.c)
SERVER_LIB_OBJS := $(SERVER_LIB_SRCS:%.c=$(O)/%.o)
SERVER_LIB_A    := $(O)/libpostq-server.a
SERVER_LIBS      = $(call pkglibs,$(SERVER_PKGS))
SCHEMA_SQL      := $(sort $(wildcard src/store/schema/*.sql))
SCHEMA_H        := $(O)/gen/store/migrations.h
PG_SCHEMA_SQL   := $(sort $(wildcard src/store/schema/pg/*.sql))
PG_SCHEMA_H     := $(O)/gen/store/pg_migrations.h
DEPFILES        += $(SERVER_LIB_OBJS:.o=.d)

$(SERVER_LIB_OBJS): CPPFLAGS += -I$(O)/gen $(call pkgcflags,$(SERVER_PKGS))
$(O)/src/store/store_sqlite.o: $(SCHEMA_H)
$(O)/src/store/store_pg.o: $(PG_SCHEMA_H)

$(SCHEMA_H): $(SCHEMA_SQL) scripts/embed-sql.sh
	@mkdir -p $(@D)
	scripts/embed-sql.sh $(SCHEMA_SQL) > $@

$(PG_SCHEMA_H): $(PG_SCHEMA_SQL) scripts/embed-sql.sh
	@mkdir -p $(@D)
	scripts/embed-sql.sh $(PG_SCHEMA_SQL) > $@

$(SERVER_LIB_A): $(SERVER_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
