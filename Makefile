# SPDX-License-Identifier: GPL-2.0
#
# klpx developer targets.  Kbuild holds the kbuild rules.
#
#   make            build klpx.ko and Module.symvers against KDIR
#   make deps       install what every target needs (apt-get), fetch the guest kernel
#   make check      every test tier; ends with "N passed, N failed"
#   make demo       the story of a patch author, in a Debian kernel under QEMU
#   make bench      klpx against the kernel's own shadow variables and livepatch
#   make guest-shell  a shell in the guest with klpx loaded
#   make mutate     the mutation tier: do the tests catch planted bugs? (slow)

TOP	:= $(CURDIR)
CACHE	:= $(TOP)/.cache
OUT	:= $(TOP)/out
KVER	?= $(shell $(TOP)/scripts/kver.sh)
KDIR	?= /usr/src/linux-headers-$(KVER)
export KVER KDIR TOP CACHE OUT

TIERS	:= userspace core kunit guest

.PHONY: all modules deps clean check $(addprefix check-,$(TIERS)) \
	demo bench guest-shell mutate

all: modules

modules:
	@test -d "$(KDIR)" || $(MAKE) deps
	$(MAKE) -C $(KDIR) M=$(TOP) modules

deps:
	@$(TOP)/scripts/deps.sh

# Each tier records its counts in out/results/<tier>; a failing tier does
# not stop the others, the summary line decides the exit status.
check: deps
	@mkdir -p $(OUT)/results
	@rm -f $(addprefix $(OUT)/results/,$(TIERS))
	@for t in $(TIERS); do \
		echo "=== tier $$t ==="; \
		$(MAKE) --no-print-directory check-$$t || true; \
	done
	@$(TOP)/scripts/summary.sh $(TIERS)

check-userspace:
	@mkdir -p $(OUT)/results
	$(MAKE) -C selftests/userspace check RESULT=$(OUT)/results/userspace

check-core:
	@mkdir -p $(OUT)/results
	$(MAKE) -C selftests/core check RESULT=$(OUT)/results/core

check-kunit:
	@mkdir -p $(OUT)/results
	$(TOP)/kunit/run.sh $(OUT)/results/kunit

check-guest: modules
	@mkdir -p $(OUT)/results
	$(TOP)/selftests/guest/run.sh check $(OUT)/results/guest

demo: deps modules
	$(TOP)/selftests/guest/run.sh demo

guest-shell: deps modules
	$(TOP)/selftests/guest/run.sh shell

bench: deps modules
	$(TOP)/bench/run.sh

# Not part of check: it rebuilds and reruns tiers once per mutant.
mutate:
	$(TOP)/scripts/mutate/mutate.py $(MUTATE_ARGS)

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C selftests/userspace clean
	-$(MAKE) -C selftests/test_modules clean
	rm -rf $(OUT)
