# bpfseal: memfd-style file seals for any file, enforced by BPF LSM.
#   make            build the BPF policy, sealctl, libbpfseal and the tests
#   make deps       install build and test dependencies (Debian 12, root)
#   make test       host unit tests + the integration suite in VMs
#   make vmtest KERNELS="6.12"   the VM suite on a subset of kernels
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        Debian packages under build/deb (debhelper; lintian must pass)
#   make demo       the README's 30-second example, run for real in a VM
# V=1 shows the commands.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/sbin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= /lib/systemd/system
DESTDIR   ?=
KERNELS   ?= 6.1 6.12 latest next
CACHE     ?= $(or $(BPFSEAL_CACHE),$(HOME)/.cache/bpfseal)
VERSION   := 0.2.0
# The library's soname major. It changes with any change that breaks
# libbpfseal's callers, the layout of the seal map value it reads from the
# kernel included, so that no binary reads a map it does not understand.
LIB_SOVERSION := 1
LIB_REALNAME  := libbpfseal.so.$(LIB_SOVERSION).0.0

CLANG     ?= clang-19
LLVM_STRIP ?= llvm-strip-19
BPFTOOL   ?= bpftool
CC        ?= cc
OUT       := build

CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Iuser/lib -I$(OUT) \
	     -DBPFSEAL_VERSION='"$(VERSION)"'
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -I. -Iinclude -Ibpf \
	      -Wall -Werror -Wno-unused-function

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# maps.bpf.c holds the map definitions and must come first in the link.
BPF_SRCS  := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
# user/lib/ is libbpfseal; user/ is sealctl, which links the library statically.
LIB_SRCS  := $(wildcard user/lib/*.c)
LIB_OBJS  := $(patsubst user/lib/%.c,$(OUT)/lib/%.o,$(LIB_SRCS))
SEALCTL_SRCS := $(wildcard user/*.c)
SEALCTL_OBJS := $(patsubst user/%.c,$(OUT)/%.o,$(SEALCTL_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(wildcard tests/unit/*.c))
# tests/integration/*_test.c are programs; the other .c files are their helpers.
VM_TESTS  := $(patsubst tests/integration/%.c,$(OUT)/tests/integration/%,$(wildcard tests/integration/*_test.c))
VM_TEST_HELPERS := $(filter-out %_test.c %.bpf.c,$(wildcard tests/integration/*.c))

.DELETE_ON_ERROR:
.PHONY: all shipped deps test unit vmtest vmtest-selftest vmlinux install deb demo clean

EXAMPLES  := $(patsubst examples/%.c,$(OUT)/examples/%,$(wildcard examples/*.c))

all: $(OUT)/sealctl $(OUT)/libbpfseal.a $(OUT)/libbpfseal.so $(UNIT_TESTS) $(VM_TESTS) $(EXAMPLES) \
	$(OUT)/bpfseal.service $(OUT)/bpfseal-journal.service

# What `make install` (and so the .deb) ships: no test programs.
MOUNT_UNITS := run-bpfseal.mount sys-fs-bpf-bpfseal.mount
shipped: $(OUT)/sealctl $(OUT)/libbpfseal.a $(OUT)/libbpfseal.so $(OUT)/bpfseal.service $(OUT)/bpfseal-journal.service \
	$(addprefix $(OUT)/,$(MOUNT_UNITS))

deps:
	scripts/deps.sh

# --- BPF policy: compile each concern, link into one object, make a skeleton.
$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/bpfseal_abi.h vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bpfseal.bpf.o: $(BPF_OBJS)
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/bpfseal.skel.h: $(OUT)/bpfseal.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bpfseal > $@

# --- userspace
$(OUT)/%.o: user/%.c $(OUT)/bpfseal.skel.h $(wildcard user/*.h user/lib/*.h include/*.h) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUT)/lib/%.o: user/lib/%.c $(wildcard user/lib/*.h include/*.h) | $(OUT)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(OUT)/libbpfseal.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/libbpfseal.so: $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libbpfseal.so.$(LIB_SOVERSION) -o $@ $^ $(LIBBPF_LIBS)

$(OUT)/sealctl: $(SEALCTL_OBJS) $(OUT)/libbpfseal.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(SYSTEMD_LIBS)

# The units, with sealctl's installed path (the VM suite uses /usr/sbin).
$(OUT)/%.service: systemd/%.service.in | $(OUT)
	$(call msg,GEN,$@)
	$(Q)sed 's|@SBINDIR@|$(BINDIR)|g' $< > $@

$(OUT)/%.mount: systemd/%.mount | $(OUT)
	$(Q)cp $< $@

$(OUT)/examples/%: examples/%.c $(OUT)/libbpfseal.a | $(OUT)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(OUT)/libbpfseal.a $(LIBBPF_LIBS)

# --- tests
# Unit tests link the program table (not the loader), the LSM list helpers
# and the library; the BPF rules are headers.
$(OUT)/tests/unit/%: tests/unit/%.c $(OUT)/programs.o $(OUT)/lsm_list.o $(OUT)/libbpfseal.a \
		$(OUT)/bpfseal.service $(addprefix $(OUT)/,$(MOUNT_UNITS)) $(OUT)/bpfseal-journal.service \
		$(wildcard bpf/*.h) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Ibpf -DBUILD_DIR='"$(abspath $(OUT))"' -DSOURCE_DIR='"$(abspath .)"' \
		-o $@ $< $(filter %.o,$^) $(OUT)/libbpfseal.a -lcmocka $(LIBBPF_LIBS)

$(OUT)/tests/integration/%: tests/integration/%.c $(VM_TEST_HELPERS) $(wildcard tests/integration/*.h) $(OUT)/libbpfseal.a | $(OUT)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -I$(OUT)/tests/integration -Iuser -o $@ $< $(VM_TEST_HELPERS) \
		$(filter %.o,$^) $(OUT)/libbpfseal.a -luring -laio -lpthread $(LIBBPF_LIBS) $(LDLIBS)

# wl_shm_test is a compositor and its client, on Debian's libwayland.
$(OUT)/tests/integration/wl_shm_test: LDLIBS += $(shell pkg-config --libs wayland-server wayland-client)

# Test-only BPF programs (tests/integration/*.bpf.c): they force a race a test must hit.
$(OUT)/tests/integration/%.bpf.o: tests/integration/%.bpf.c vmlinux.h | $(OUT)/tests/integration
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/tests/integration/%.skel.h: $(OUT)/tests/integration/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(OUT)/tests/integration/fence_test: $(OUT)/tests/integration/stall.skel.h
$(OUT)/tests/integration/locked_test: $(OUT)/tests/integration/fmodret.skel.h
# The audit tests read records as sealctl does.
AUDIT_OBJS := $(addprefix $(OUT)/,audit_consumer.o audit_names.o audit_paths.o audit_print.o find_paths.o text.o)
$(OUT)/tests/integration/audit_test $(OUT)/tests/integration/journal_test $(OUT)/tests/integration/durable_test: \
	$(AUDIT_OBJS)

unit: $(UNIT_TESTS)
	$(Q)tests/run-unit.sh $(OUT)/tests/unit $(OUT)/results

# SHUFFLE=SEED runs the integration suites in an order drawn from SEED.
SHUFFLE ?=
vmtest: all
	$(Q)tests/vm/run.sh --cache "$(CACHE)" --out $(OUT) --results $(OUT)/results \
		$(if $(SHUFFLE),--shuffle $(SHUFFLE)) $(KERNELS)

# A deliberately failing case must turn the run red: prove the harness can fail.
# tests/selftest/*.c are its faulty fixtures, built only for it.
SELFTEST_BINS := $(patsubst tests/selftest/%.c,$(OUT)/tests/selftest/%,$(wildcard tests/selftest/*.c))
$(OUT)/tests/selftest/%: tests/selftest/%.c tests/integration/itest.h | $(OUT)/tests/selftest
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/integration -o $@ $<

vmtest-selftest: all $(SELFTEST_BINS)
	$(Q)tests/vm/selftest.sh --cache "$(CACHE)" --out $(OUT) $(firstword $(KERNELS))

# make test runs the last kernel's suites shuffled (tests/vm/README.md,
# "Every case counts"): from TEST_SHUFFLE, a seed CI keeps so that a red run
# can be repeated; SHUFFLE=SEED draws another order, SHUFFLE=no keeps the
# manifest's.
TEST_SHUFFLE := 132870607
test: all
	$(Q)rm -rf $(OUT)/results
	$(Q)status=0; \
	tests/run-unit.sh $(OUT)/tests/unit $(OUT)/results || status=1; \
	tests/vm/run.sh --cache "$(CACHE)" --out $(OUT) --results $(OUT)/results \
		$(if $(filter-out no,$(or $(SHUFFLE),$(TEST_SHUFFLE))),--shuffle $(or $(SHUFFLE),$(TEST_SHUFFLE)) \
		--shuffle-kernels $(lastword $(KERNELS))) $(KERNELS) || status=1; \
	tests/summary.sh $(OUT)/results $(KERNELS) || status=1; \
	exit $$status

# Regenerate vmlinux.h from the 6.12 LTS cloud kernel's BTF (see README).
vmlinux:
	tests/vm/fetch-kernels.sh "$(CACHE)/kernels" 6.12
	tests/vm/extract-vmlinux.sh "$(CACHE)/kernels/6.12/vmlinuz" $(OUT)/vmlinux-6.12
	$(BPFTOOL) btf dump file $(OUT)/vmlinux-6.12 format c > vmlinux.h

install: shipped
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(OUT)/sealctl $(DESTDIR)$(BINDIR)/sealctl
	install -m 0644 $(OUT)/libbpfseal.a $(DESTDIR)$(LIBDIR)/libbpfseal.a
	install -m 0644 $(OUT)/libbpfseal.so $(DESTDIR)$(LIBDIR)/$(LIB_REALNAME)
	ln -sf $(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/libbpfseal.so.$(LIB_SOVERSION)
	ln -sf libbpfseal.so.$(LIB_SOVERSION) $(DESTDIR)$(LIBDIR)/libbpfseal.so
	install -m 0644 include/bpfseal.h include/bpfseal_abi.h $(DESTDIR)$(INCDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' \
		user/lib/bpfseal.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/bpfseal.pc
	install -m 0644 man/sealctl.8 $(DESTDIR)$(MANDIR)/man8/sealctl.8
	sed 's|@SBINDIR@|$(BINDIR)|g' systemd/bpfseal.service.in > $(DESTDIR)$(UNITDIR)/bpfseal.service
	sed 's|@SBINDIR@|$(BINDIR)|g' systemd/bpfseal-journal.service.in > $(DESTDIR)$(UNITDIR)/bpfseal-journal.service
	for u in $(MOUNT_UNITS); do install -m 0644 $(OUT)/$$u $(DESTDIR)$(UNITDIR)/$$u; done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)/etc/bpfseal/seals.d
	install -m 0644 completion/sealctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sealctl

$(OUT) $(OUT)/bpf $(OUT)/lib $(OUT)/tests/unit $(OUT)/tests/integration $(OUT)/tests/selftest $(OUT)/examples:
	$(Q)mkdir -p $@

# The README's "30 seconds" session, run for real on the newest kernel.
demo: all
	$(Q)tests/vm/demo.sh --cache "$(CACHE)" --out $(OUT) latest

# Binary packages from a copy of the tree: dpkg-buildpackage writes to the
# parent directory, which must be build/deb, never the source tree's parent.
deb:
	$(Q)scripts/build-deb.sh $(OUT)/deb

clean:
	rm -rf $(OUT)

# --- benchmark (not part of `make test`): guest instructions per operation
# under qemu icount, with and without the policy, against native memfd seals.
#   make bench KERNELS="6.12"   writes bench/results/KERNEL.md and KERNEL-scaling.png
#   (~10 minutes for the three kernels on 2 idle cores; BENCH_SCALE=1,1000,10000,100000,1000000
#   seals a million inodes instead of 250,000: ~25 minutes)
.PHONY: bench
$(OUT)/tests/bench/bench: tests/bench/bench.c $(OUT)/libbpfseal.a | $(OUT)/tests/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(OUT)/libbpfseal.a $(LIBBPF_LIBS)

$(OUT)/tests/bench:
	$(Q)mkdir -p $@

# BENCH_SCALE: sealed-inode counts for the scaling part; BENCH_EVICTED: files
# sealed, then evicted (defaults in tests/vm/bench.sh).
BENCH_SCALE ?=
BENCH_EVICTED ?=
bench: all $(OUT)/tests/bench/bench
	$(Q)tests/vm/bench.sh --cache "$(CACHE)" --out $(OUT) --results bench/results \
		$(if $(BENCH_SCALE),--scale $(BENCH_SCALE)) $(if $(BENCH_EVICTED),--evicted $(BENCH_EVICTED)) $(KERNELS)

# --- mutation testing (not part of `make test`): every refusal of the rules
# turned into an allow and every seal test negated, one at a time, each run
# against the cases that reach it (tests/MUTATION.md).
#   make mutate KERNEL=6.12   writes tests/mutate/results.md (~40 minutes on 2 cores)
#   MUTATE_REV=<commit> mutates that commit instead of HEAD
.PHONY: mutate
mutate:
	$(Q)tests/mutate/run.sh --cache "$(CACHE)" --out $(OUT)/mutate --kernel $(or $(KERNEL),6.12) \
		$(if $(MUTATE_REV),--rev $(MUTATE_REV))
