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

check: all unit integration fuzz-smoke bench-smoke

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
