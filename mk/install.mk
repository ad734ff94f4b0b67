# make install PREFIX=/usr/local DESTDIR=
#
# Programs built against the installed shared library find it without LD_LIBRARY_PATH:
# postq.pc's Libs carry -Wl,-rpath,${libdir} unless the prefix is /usr, whose lib directory the
# dynamic linker searches anyway (RPATH=yes or RPATH=no overrides). The installed programs link
# libpostq statically, so they need no path to it at all.
RPATH ?= $(if $(filter /usr,$(patsubst %/,%,$(PREFIX))),no,yes)
PC_RPATH = $(if $(filter yes,$(RPATH)),-Wl$(comma)-rpath$(comma)$${libdir} ,)
comma := ,

.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/include/postq $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 0644 include/postq/*.h $(DESTDIR)$(PREFIX)/include/postq/
	install -m 0644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIB_SO).$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libpostq.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libpostq.so.$(SOVER)
	ln -sf libpostq.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libpostq.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@RPATH@|$(PC_RPATH)|g' postq.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/postq.pc
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	for m in $(wildcard man/*.1); do install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(wildcard man/*.8); do install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done
	install -d $(DESTDIR)$(PREFIX)/share/postq/web
	install -m 0644 $(WEB_FILES) $(DESTDIR)$(PREFIX)/share/postq/web/
	install -d $(DESTDIR)$(PREFIX)/share/postq/systemd
	install -m 0644 dist/systemd/*.service $(DESTDIR)$(PREFIX)/share/postq/systemd/
