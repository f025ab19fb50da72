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

clean:
	rm -f bridgeguard $(OBJS)

.PHONY: all deps clean
