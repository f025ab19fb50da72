# bridgeguard — see README.md. `make` builds ./bridgeguard, `make check` runs every test.
# Messages are truncated on purpose where they do not fit: no -Wformat-truncation.
CC	?= cc
PKGS	 = libnftnl libmnl libfyaml jansson libnetfilter_log
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Werror \
	   -Wno-format-truncation -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS	+= $(shell pkg-config --libs $(PKGS))

SRCS	 = $(wildcard src/*.c)
OBJS	 = $(SRCS:.c=.o)

all: bridgeguard

bridgeguard: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

src/%.o: src/%.c $(wildcard src/*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

deps:
	./scripts/deps.sh

demo: bridgeguard
	./bridgeguard demo

# Unit tests (cmocka) link only what they test: each tests/unit/test_X.c
# names its sources in a "/* links: ... */" first line. Built with ASan+UBSan.
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=build/%)
PYTHON	 = /usr/bin/python3

links	 = $(shell sed -n '1s|^/\* links: \(.*\) \*/|\1|p' $(1))

.SECONDEXPANSION:
build/test_%: tests/unit/test_%.c $$(call links,tests/unit/test_$$*.c) $(wildcard src/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS) -O1 -g $(SANFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	    LSAN_OPTIONS=suppressions=tests/unit/lsan.supp ./$$t; done

# Integration tests build real namespaces: root only.
integration: bridgeguard bridgeguard-asan
	$(PYTHON) -m pytest -q tests/integration tests/daemon

check: all unit integration fuzz-smoke bench-smoke pkg-check

# A short bounded fuzz run of the guest-frame parser, so the harness never rots.
fuzz-smoke:
	$(MAKE) fuzz-run FUZZ_SECONDS=10

bench-smoke: bridgeguard
	@if [ -x bench/run.sh ]; then bench/run.sh --smoke --out build/bench-smoke; fi

bench: bridgeguard
	bench/run.sh --out bench/results

clean:
	rm -rf bridgeguard bridgeguard-asan $(OBJS) build

.PHONY: all deps demo clean unit integration check bench bench-smoke fuzz-smoke

# The daemon under ASan+UBSan, for tests/daemon (RSS and leak checks).
ASAN_OBJS = $(SRCS:src/%.c=build/asan/%.o)

build/asan/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p build/asan
	$(CC) $(CFLAGS) -O1 -g $(SANFLAGS) -c -o $@ $<

bridgeguard-asan: $(ASAN_OBJS)
	$(CC) $(LDFLAGS) $(SANFLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

asan: bridgeguard-asan

# libFuzzer on the parser of guest-controlled frames (clang). `fuzz-run`
# is a bounded run (FUZZ_SECONDS) from the seed corpus; new inputs go to
# build/, crashes to build/fuzz-artifacts/.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 30
FUZZ_FLAGS	 = -g -O1 -std=c11 -D_GNU_SOURCE -Isrc \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build/fuzz_packet: fuzz/fuzz_packet.c src/packet.c src/packet.h
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_packet.c src/packet.c

fuzz: build/fuzz_packet

fuzz-run: build/fuzz_packet
	@mkdir -p build/fuzz-corpus build/fuzz-artifacts
	build/fuzz_packet -max_total_time=$(FUZZ_SECONDS) -max_len=1600 \
	    -artifact_prefix=build/fuzz-artifacts/ build/fuzz-corpus \
	    fuzz/corpus/packet

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
