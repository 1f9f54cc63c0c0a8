# SPDX-License-Identifier: GPL-2.0
# kipsec top-level build.
#   make                 module (against KDIR) + userspace programs
#   make KDIR=/path      module against any kernel tree
#   make check           everything the tests need, then all tests (TAP)
#   make demo            the IKE demo in a VM (kipsec-keyd against strongSwan)
#   make demo-manual     the manual-keys demo in a VM (kipsec against Linux XFRM)
#   make install         kipsec, kipsec-keyd, the systemd unit, the example config
#                        (PREFIX=/usr/local, DESTDIR=, SYSTEMDDIR=/etc/systemd/system)

KVER_RUNNING := $(shell uname -r)
KDIR ?= $(shell if [ -d /lib/modules/$(KVER_RUNNING)/build ]; then \
		echo /lib/modules/$(KVER_RUNNING)/build; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

.PHONY: all module user tools keyd check demo demo-manual install bench clean sparse

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
SYSTEMDDIR ?= /etc/systemd/system

all: module user

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: install linux-headers-\$$(uname -r) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules

user: tools keyd

tools:
	$(MAKE) -C tools

keyd:
	@if [ -f keyd/Makefile ]; then $(MAKE) -C keyd; fi

check:
	@./selftests/check.sh

demo:
	@./selftests/demo.sh

demo-manual:
	@./selftests/demo.sh --manual

install: user
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)/etc/kipsec \
		$(DESTDIR)$(PREFIX)/share/doc/kipsec
	install -m 0755 tools/kipsec keyd/kipsec-keyd $(DESTDIR)$(SBINDIR)/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(PREFIX)/share/doc/kipsec|g' keyd/kipsec-keyd.service >$(DESTDIR)$(SYSTEMDDIR)/kipsec-keyd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/kipsec-keyd.service
	install -m 0600 keyd/kipsec-keyd.conf.example $(DESTDIR)/etc/kipsec/kipsec-keyd.conf.example
	install -m 0644 keyd/README.md $(DESTDIR)$(PREFIX)/share/doc/kipsec/keyd-README.md
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload; fi

bench:
	@./bench/run.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	-@if [ -f keyd/Makefile ]; then $(MAKE) -C keyd clean; fi
	rm -rf build
