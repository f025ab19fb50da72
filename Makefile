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
integration: bridgeguard
	$(PYTHON) -m pytest -q tests/integration $(wildcard tests/daemon)

check: all unit integration bench-smoke

bench-smoke: bridgeguard
	@if [ -x bench/run.sh ]; then bench/run.sh --smoke --out build/bench-smoke; fi

bench: bridgeguard
	bench/run.sh --out bench/results

clean:
	rm -rf bridgeguard $(OBJS) build

.PHONY: all deps demo clean unit integration check bench bench-smoke
