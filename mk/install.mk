# make install PREFIX=/usr/local DESTDIR=

.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/include/postq $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 0644 include/postq/*.h $(DESTDIR)$(PREFIX)/include/postq/
	install -m 0644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIB_SO).$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libpostq.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libpostq.so.$(SOVER)
	ln -sf libpostq.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libpostq.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' postq.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/postq.pc
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	for m in $(wildcard man/*.1); do install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(wildcard man/*.8); do install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done
	install -d $(DESTDIR)$(PREFIX)/share/postq/web
	install -m 0644 $(wildcard web/*.html web/*.js web/*.css web/*.svg) $(DESTDIR)$(PREFIX)/share/postq/web/
