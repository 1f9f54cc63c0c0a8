# SPDX-License-Identifier: GPL-2.0
# kipsec top-level build.
#   make                 module (against KDIR) + userspace programs
#   make KDIR=/path      module against any kernel tree
#   make check           everything the tests need, then all tests (TAP)
#   make demo            the IKE demo in a VM

KVER_RUNNING := $(shell uname -r)
KDIR ?= $(shell if [ -d /lib/modules/$(KVER_RUNNING)/build ]; then \
		echo /lib/modules/$(KVER_RUNNING)/build; \
	else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

.PHONY: all module user tools keyd check demo bench clean sparse

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

bench:
	@./bench/run.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	-@if [ -f keyd/Makefile ]; then $(MAKE) -C keyd clean; fi
	rm -rf build
