# bridgeguard — see README.md. `make` builds ./bridgeguard, `make check` runs every test.
# Messages are truncated on purpose where they do not fit: no -Wformat-truncation.
CC	?= cc
PKGS	 = libnftnl libmnl libfyaml jansson libnetfilter_log libseccomp \
	   libvirt libxml-2.0 libip4tc libip6tc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Werror \
	   -Wno-format-truncation $(shell pkg-config --cflags $(PKGS))
LDLIBS	+= $(shell pkg-config --libs $(PKGS))

# Components, lowest first: each folder's files may include the headers of
# their own folder and of the folders its DEPS_ lists, and nothing else is
# on their include path, so an include that runs upwards does not compile.
DEPS_lib	 =
DEPS_config	 = lib
DEPS_ruleset	 = config lib
DEPS_kernel	 = ruleset config lib
DEPS_libvirt	 = config lib
DEPS_sensor	 = lib
DEPS_daemon	 = sensor libvirt kernel ruleset config lib
DEPS_audit	 = libvirt kernel ruleset config lib
DEPS_cli	 = audit daemon sensor libvirt kernel ruleset config lib
FOLDERS	 = lib config ruleset kernel libvirt sensor daemon audit cli
incs	 = -Isrc/$(1) $(foreach d,$(DEPS_$(1)),-Isrc/$(d))
folder	 = $(word 2,$(subst /, ,$(1)))
comma	 = ,

SRCS	 = $(foreach d,$(FOLDERS),$(wildcard src/$(d)/*.c))
OBJS	 = $(SRCS:src/%.c=build/obj/%.o)

all: bridgeguard

bridgeguard: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call incs,$(call folder,$<)) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

# The compiler checks the .c files' includes; this checks the headers' and
# that calls between objects run downwards too, with no loop.
# libvirt's API and the XML it speaks are src/libvirt's alone; the legacy
# iptables backend is read by the audit only.
DOORS	 = =libvirt:libvirt:vir =libvirt:libxml:xml =audit:libiptc:iptc_ \
	   =audit:libiptc:ip6tc_
layers: $(OBJS)
	@scripts/layers.sh build/obj $(foreach d,$(FOLDERS),$(d):$(subst $(eval) ,$(comma),$(DEPS_$(d)))) $(DOORS)

deps:
	./scripts/deps.sh

demo: bridgeguard
	./bridgeguard demo

# Unit tests (cmocka) mirror src/: tests/unit/FOLDER/test_X.c is built with
# FOLDER's include path and links only what it tests: the sources its
# "/* links: ... */" first line names. Built with ASan+UBSan.
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRCS = $(wildcard tests/unit/*/test_*.c)
UNIT_BINS = $(addprefix build/,$(basename $(notdir $(UNIT_SRCS))))
PYTHON	 = /usr/bin/python3

links	 = $(shell sed -n '1s|^/\* links: \(.*\) \*/|\1|p' $(1))
unit_src = $(wildcard tests/unit/*/test_$(1).c)

.SECONDEXPANSION:
build/test_%: $$(call unit_src,$$*) $$(call links,$$(call unit_src,$$*)) $$(wildcard src/*/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS) $(call incs,$(word 3,$(subst /, ,$<))) -O1 -g $(SANFLAGS) \
	    -o $@ $(filter %.c,$^) $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	    LSAN_OPTIONS=suppressions=tests/unit/lsan.supp ./$$t; done

# Integration tests build real namespaces: root only.
integration: bridgeguard bridgeguard-asan
	$(PYTHON) -m pytest -q tests/integration tests/daemon

check: all layers unit integration fuzz-smoke bench-smoke pkg-check check-kernels

# The same suites on Debian's kernel packages booted under QEMU: a declared
# subset by default; KERNELS=, TESTS=all: see tests/kernels/run.sh. Part of
# check (about 10 minutes a kernel): users run these kernels, not this one.
check-kernels: bridgeguard bridgeguard-asan
	tests/kernels/run.sh

# A short bounded run of every fuzzer, so no harness rots (a fixed seed:
# finding new bugs is `make fuzz-run`'s job, with a fresh seed each time).
fuzz-smoke:
	$(MAKE) fuzz-run FUZZ_SECONDS=10 FUZZ_SEED=1

bench-smoke: bridgeguard
	@if [ -x bench/run.sh ]; then bench/run.sh --smoke --out build/bench-smoke; fi

bench: bridgeguard
	bench/run.sh --out bench/results

clean:
	rm -rf bridgeguard bridgeguard-asan build

.PHONY: all layers deps demo clean unit integration check check-kernels bench bench-smoke fuzz-smoke

# The daemon under ASan+UBSan, for tests/daemon (RSS and leak checks).
ASAN_OBJS = $(SRCS:src/%.c=build/asan/%.o)

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call incs,$(call folder,$<)) -O1 -g $(SANFLAGS) \
	    -MMD -MP -c -o $@ $<

-include $(ASAN_OBJS:.o=.d)

bridgeguard-asan: $(ASAN_OBJS)
	$(CC) $(LDFLAGS) $(SANFLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

asan: bridgeguard-asan

# libFuzzer harnesses (clang): fuzz/FOLDER/fuzz_X.c mirrors src/ as
# tests/unit does, is built with FOLDER's include path and links only the
# sources its "/* links: ... */" first line names; its seed corpus is
# fuzz/FOLDER/corpus/X. `fuzz-run` runs each for FUZZ_SECONDS from its
# corpus; new inputs go to build/fuzz-corpus/X, crashes to
# build/fuzz-artifacts/. An input that leaks is a failure too.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 30
# 0 draws a new seed each run; fuzz-smoke fixes it, so that make check
# repeats the same bounded search instead of failing on a new find.
FUZZ_SEED	?= 0
FUZZ_SRCS	 = $(wildcard fuzz/*/fuzz_*.c)
FUZZ_NAMES	 = $(patsubst fuzz_%,%,$(basename $(notdir $(FUZZ_SRCS))))
FUZZ_BINS	 = $(addprefix build/fuzz_,$(FUZZ_NAMES))
FUZZ_FLAGS	 = -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers $(shell pkg-config --cflags $(PKGS)) \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_MAXLEN	?= 4096
fuzz_src	 = $(wildcard fuzz/*/fuzz_$(1).c)

build/fuzz_%: $$(call fuzz_src,$$*) $$(call links,$$(call fuzz_src,$$*)) $$(wildcard src/*/*.h)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) $(call incs,$(word 2,$(subst /, ,$<))) \
	    -o $@ $(filter %.c,$^) $(LDLIBS)

fuzz: $(FUZZ_BINS)

fuzz-run: $(FUZZ_BINS)
	@set -e; for n in $(FUZZ_NAMES); do \
	    src=$$(ls fuzz/*/fuzz_$$n.c); dir=$${src%/*}; \
	    mkdir -p build/fuzz-corpus/$$n build/fuzz-artifacts; \
	    echo "== fuzz_$$n: $(FUZZ_SECONDS) s from $$dir/corpus/$$n"; \
	    LSAN_OPTIONS=suppressions=fuzz/lsan.supp \
	    build/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -timeout=10 \
	        -max_len=$(FUZZ_MAXLEN) -print_final_stats=1 \
	        -artifact_prefix=build/fuzz-artifacts/$$n- \
	        build/fuzz-corpus/$$n $$dir/corpus/$$n \
	        >build/fuzz-$$n.log 2>&1 || { tail -n 40 build/fuzz-$$n.log; \
	        echo "fuzz_$$n: FAILED (build/fuzz-$$n.log)"; exit 1; }; \
	    sed -n 's/^stat::number_of_executed_units: */  runs: /p' \
	        build/fuzz-$$n.log; \
	done

.PHONY: asan fuzz fuzz-run

# Installation: `make install` (PREFIX, DESTDIR for staging), `make
# uninstall`. The manuals are roff (docs/*.[58]) and installed as they are;
# the unit names the binary where SBINDIR puts it. tests/package checks
# the file list.
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/bridgeguard
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
UNITDIR		?= $(PREFIX)/lib/systemd/system
INSTALL		?= install

INSTALLED = $(SBINDIR)/bridgeguard $(MANDIR)/man8/bridgeguard.8 \
	    $(MANDIR)/man5/bridgeguard.yaml.5 $(DOCDIR)/README.md \
	    $(DOCDIR)/daemon.md $(DOCDIR)/examples/bridgeguard.yaml \
	    $(BASHCOMPDIR)/bridgeguard $(UNITDIR)/bridgeguard.service

install: bridgeguard
	@mkdir -p build
	sed -e 's|/usr/sbin/bridgeguard|$(SBINDIR)/bridgeguard|g' \
	    -e 's|/usr/share/doc/bridgeguard|$(DOCDIR)|g' \
	    contrib/bridgeguard.service > build/bridgeguard.service
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 bridgeguard $(DESTDIR)$(SBINDIR)/bridgeguard
	$(INSTALL) -m 0644 docs/bridgeguard.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 docs/bridgeguard.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 README.md docs/daemon.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 examples/bridgeguard.yaml $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0644 contrib/bridgeguard.bash $(DESTDIR)$(BASHCOMPDIR)/bridgeguard
	$(INSTALL) -m 0644 build/bridgeguard.service $(DESTDIR)$(UNITDIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)

# The Debian package (debian/), into the parent directory.
deb:
	dpkg-buildpackage -us -uc -b

# make install, the package (built from a copy of the tree), the manuals
# and the completion: tests/package.
pkg-check: bridgeguard
	$(PYTHON) -m pytest -q tests/package

.PHONY: install uninstall deb pkg-check
