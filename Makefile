# SPDX-License-Identifier: GPL-2.0
#
# klpx developer targets.  Kbuild holds the kbuild rules.
#
#   make            build klpx.ko and Module.symvers against KDIR, and the
#                   sample patch modules in samples/
#   make deps       install what every target needs (apt-get), fetch the
#                   kernels make check boots into .cache/
#   make check      every test tier; ends with "N passed, N failed"
#   make check-full make check, plus KUnit on x86_64 under QEMU (SMP
#                   PREEMPT and PREEMPT_RT kernels: a long cold build)
#   make docs       Documentation/ as HTML in out/docs (Sphinx, warnings
#                   are errors)
#   make check-matrix  the guest tier on every supported kernel, as a table
#   make demo       the story of a patch author, in a Debian kernel under QEMU
#   make bench      klpx against the kernel's own shadow variables and livepatch
#   make guest-shell  a shell in the guest with klpx loaded
#   make guest-run MODULES=DIR SCRIPT=FILE
#                   build the patch modules in DIR, boot the guest with them
#                   and run the shell script FILE there (its output, then
#                   its status; make fails when the script does)
#   make mutate     the mutation tier: do the tests catch planted bugs? (slow)
#   make check-build  the build tier: scripts/klpx-build turns the fixes of
#                   selftests/build/patches into patch modules (or refuses
#                   them), the guest runs them (check-build-<kernel> for one)
#   make check-dkms dkms add/build/install of a git archive, for make check's
#                   kernels (installs dkms; the host's DKMS trees stay as
#                   they are)
#
# The kernel: KERNEL=6.1 (default), 6.1-rt, 6.12 or 6.12-rt, resolved
# through Debian's meta-packages by scripts/kver.sh; KVER=<release> names
# an exact release and wins; KDIR=<headers> builds against any tree.

TOP	:= $(CURDIR)
CACHE	:= $(TOP)/.cache
OUT	:= $(TOP)/out

# Every kernel klpx supports, and those make check boots.
KERNELS		:= 6.1 6.1-rt 6.12 6.12-rt
CHECK_KERNELS	:= 6.1 6.12

KERNEL	?= 6.1
ifeq ($(strip $(KVER)),)
override KVER := $(shell KERNEL=$(KERNEL) KVER= CACHE=$(CACHE) $(TOP)/scripts/kver.sh)
endif
ifeq ($(strip $(KDIR)),)
override KDIR := $(shell KVER=$(KVER) CACHE=$(CACHE) $(TOP)/scripts/kver.sh --kdir)
endif
export KERNEL KVER KDIR TOP CACHE OUT

# kernel-vars K - the command-line variables that make a sub-make work on
# kernel K, whatever this make was given.
kernel-vars = KERNEL=$(1) \
	KVER=$$(KERNEL=$(1) KVER= CACHE=$(CACHE) $(TOP)/scripts/kver.sh) \
	KDIR=$$(KERNEL=$(1) KVER= CACHE=$(CACHE) $(TOP)/scripts/kver.sh --kdir)

TIERS	:= userspace core symbols kunit lint $(addprefix guest-,$(CHECK_KERNELS)) \
	   guide build-6.1
# make check-full adds KUnit on x86_64: two debug kernel builds, about 25
# minutes each from a cold cache on two cores (see README), and the build
# tier on 6.12 (its source prepared once: about 6 minutes, then about 20).
FULL_TIERS := $(TIERS) kunit-preempt kunit-rt build-6.12

.PHONY: all modules samples kernel deps docs clean check check-full \
	check-matrix check-userspace check-core check-symbols check-kunit \
	check-kunit-preempt check-kunit-rt check-lint check-guest check-guide \
	$(addprefix check-guest-,$(KERNELS)) check-dkms demo bench guest-shell \
	guest-run guest-run-args \
	check-build $(addprefix check-build-,$(KERNELS)) \
	mutate

all: modules samples

# The headers (and image) of the kernel in use, fetched into the cache.
kernel:
	@test -f $(KDIR)/Makefile || $(TOP)/scripts/deps.sh kernel

modules: kernel
	$(MAKE) -C $(KDIR) M=$(TOP) modules

samples: modules
	$(MAKE) -C samples KDIR=$(KDIR)

deps:
	@$(TOP)/scripts/deps.sh

# Each tier records its counts in out/results/<tier>; a failing tier does
# not stop the others, the summary line decides the exit status.  KUnit
# runs against the 6.1 source.
check: RUN_TIERS = $(TIERS)
check-full: RUN_TIERS = $(FULL_TIERS)
check check-full: deps
	@mkdir -p $(OUT)/results
	@rm -f $(addprefix $(OUT)/results/,$(RUN_TIERS))
	@for t in $(RUN_TIERS); do \
		echo "=== tier $$t ==="; \
		$(MAKE) --no-print-directory check-$$t KERNEL=6.1 || true; \
	done
	@$(TOP)/scripts/summary.sh $(RUN_TIERS)

check-userspace:
	@mkdir -p $(OUT)/results
	$(MAKE) -C selftests/userspace check RESULT=$(OUT)/results/userspace

check-core:
	@mkdir -p $(OUT)/results
	$(MAKE) -C selftests/core check RESULT=$(OUT)/results/core

# klpx.ko is checked as built for every kernel make check runs.
check-symbols: deps
	@mkdir -p $(OUT)/results
	$(TOP)/selftests/symbols/run.sh $(OUT)/results/symbols \
		$(foreach k,$(CHECK_KERNELS),$$(KERNEL=$(k) KVER= CACHE=$(CACHE) $(TOP)/scripts/kver.sh --kdir))

# KERNEL=6.1 or 6.12: the linux-source package of that version.
check-kunit:
	@mkdir -p $(OUT)/results
	$(TOP)/kunit/run.sh $(OUT)/results/kunit

# KUnit on x86_64 under QEMU (TCG, 2 vCPUs): SMP and PREEMPT on the 6.1
# source, PREEMPT_RT on the 6.12 source (see kunit/run.sh).
check-kunit-preempt:
	@mkdir -p $(OUT)/results
	KUNIT=preempt KERNEL=6.1 $(TOP)/kunit/run.sh $(OUT)/results/kunit-preempt

check-kunit-rt:
	@mkdir -p $(OUT)/results
	KUNIT=rt KERNEL=6.12 $(TOP)/kunit/run.sh $(OUT)/results/kunit-rt

# checkpatch, sparse, kernel-doc and make docs: scripts/lint/run.sh.
check-lint:
	@mkdir -p $(OUT)/results
	$(TOP)/scripts/lint/run.sh $(OUT)/results/lint

docs:
	sphinx-build -q -W --keep-going -b html $(TOP)/Documentation $(OUT)/docs

check-guest: modules
	@mkdir -p $(OUT)/results
	$(TOP)/selftests/guest/run.sh check $(OUT)/results/guest

# The guest tier on one kernel, its counts in out/results/guest-<kernel>
# and its wall time in out/results/guest-<kernel>.seconds.
$(addprefix check-guest-,$(KERNELS)): check-guest-%:
	@mkdir -p $(OUT)/results
	@rm -f $(OUT)/results/guest-$* $(OUT)/results/guest-$*.seconds
	@start=$$(date +%s); rc=0; \
	$(call kernel-vars,$*) $(TOP)/selftests/guest/run.sh check $(OUT)/results/guest-$* || rc=$$?; \
	echo $$(($$(date +%s) - start)) >$(OUT)/results/guest-$*.seconds; \
	exit $$rc

# Documentation/first-patch.rst followed from an empty folder, with make
# guest-run (two boots of KERNEL, 6.1 by default).
check-guide: modules
	@mkdir -p $(OUT)/results
	$(TOP)/selftests/guide/run.sh $(OUT)/results/guide

# The build tier on one kernel, its counts in out/results/build-<kernel>:
# the first run prepares that kernel's Debian source in the cache (minutes).
check-build: $(addprefix check-build-,$(CHECK_KERNELS))

$(addprefix check-build-,$(KERNELS)): check-build-%:
	@mkdir -p $(OUT)/results
	@rm -f $(OUT)/results/build-$*
	$(call kernel-vars,$*) $(TOP)/selftests/build/run.sh $(OUT)/results/build-$*

# Not part of check: it installs dkms, and checks what a packager ships.
check-dkms:
	@mkdir -p $(OUT)/results
	DKMS_KERNELS="$(CHECK_KERNELS)" $(TOP)/scripts/dkms-check.sh $(OUT)/results/dkms

check-matrix:
	@for k in $(KERNELS); do \
		echo "=== guest tier on $$k ==="; \
		$(MAKE) --no-print-directory check-guest-$$k || true; \
	done
	@$(TOP)/scripts/summary.sh --matrix $(KERNELS)

demo: deps modules
	$(TOP)/selftests/guest/run.sh demo

guest-shell: modules
	$(TOP)/selftests/guest/run.sh shell

# Paths are taken from this Makefile's folder (make -C: give them whole).
guest-run-args:
	@test -n "$(MODULES)" && test -n "$(SCRIPT)" || { \
		echo "make guest-run needs MODULES=<folder with a Kbuild> SCRIPT=<shell script>" >&2; \
		exit 2; }

guest-run: guest-run-args modules
	@MODULES=$(abspath $(MODULES)) SCRIPT=$(abspath $(SCRIPT)) \
		$(TOP)/selftests/guest/run.sh run

bench: deps modules
	$(TOP)/bench/run.sh

# Not part of check: it rebuilds and reruns tiers once per mutant.
mutate:
	$(TOP)/scripts/mutate/mutate.py $(MUTATE_ARGS)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C selftests/userspace clean
	-$(MAKE) -C selftests/test_modules clean
	-$(MAKE) -C samples clean
	-$(MAKE) -C $(KDIR) M=$(TOP)/samples/first-patch KLPX=$(TOP) clean
	rm -rf $(OUT)
