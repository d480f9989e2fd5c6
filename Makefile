# zccache - one Makefile, strict by default.
#   make                    build/zccache (the small client), build/zccache-core
#   make install PREFIX=... both, side by side
#   make check              unit + integration tests
#   make SANITIZE=address,undefined check
#   make V=1                show the commands
CC ?= cc
BUILD ?= build
PKGS = libzstd libsodium libxxhash
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lzstd -lsodium -lxxhash)

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wvla -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -pthread $(WARNINGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
else
# Every compile execs zccache: a static binary skips the dynamic loader,
# which costs more than the whole client (see docs/ARCHITECTURE.md).
# STATIC= (empty) links dynamically.
STATIC ?= -static
endif

ifeq ($(V),)
Q = @
endif

# Two programs: build/zccache, the small client every compile starts (its
# main in src/client/thin.c, and only what asking the daemon needs), and
# build/zccache-core, everything else (src/main.c). See docs/ARCHITECTURE.md.
THIN_MAIN = src/client/thin.c
THIN_SRCS = $(THIN_MAIN) src/client/via_daemon.c src/daemon/connect.c src/proto/proto.c \
	    src/config/config.c src/compiler/names.c src/util/strbuf.c src/util/fs.c \
	    src/util/log.c src/util/spawn.c
LIB_SRCS = $(filter-out src/main.c $(THIN_MAIN),$(wildcard src/*/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# The small client is built against musl when it is installed: glibc's
# start-up costs a static program ~0.4 ms on this project's VM (CPUID
# traps), more than the rest of a hit's client. Sanitizer builds and
# machines without musl-gcc use $(CC), with the same code.
ifeq ($(SANITIZE),)
THIN_CC ?= $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || echo $(CC))
else
THIN_CC ?= $(CC)
endif
THIN_OBJS = $(THIN_SRCS:%.c=$(BUILD)/thin/%.o)
THIN_CFLAGS = -std=c17 $(WARNINGS) $(CFLAGS) -MMD -MP
ifeq ($(notdir $(THIN_CC)),musl-gcc)
# musl-gcc searches only musl's headers: the one library header the small
# client uses (xxhash's, header-only there) is linked in beside them.
XXHASH_H := $(firstword $(wildcard $(shell pkg-config --variable=includedir libxxhash 2>/dev/null)/xxhash.h) /usr/include/xxhash.h)
THIN_HEADERS = $(BUILD)/thin/include/xxhash.h
THIN_CFLAGS += -I$(BUILD)/thin/include
endif
ifneq ($(SANITIZE),)
THIN_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

all: $(BUILD)/zccache $(BUILD)/zccache-core

$(BUILD)/zccache-core: $(BUILD)/src/main.o $(BUILD)/libzccache.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(STATIC) -pthread -o $@ $^ $(PKG_LIBS)

$(BUILD)/zccache: $(THIN_OBJS)
	@echo "  LINK    $@"
	$(Q)$(THIN_CC) $(LDFLAGS) $(STATIC) -o $@ $^

$(BUILD)/thin/include/xxhash.h: $(XXHASH_H)
	@mkdir -p $(dir $@)
	$(Q)ln -sf $< $@

$(BUILD)/thin/%.o: %.c $(THIN_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (small client)"
	$(Q)$(THIN_CC) $(THIN_CFLAGS) -c $< -o $@

$(BUILD)/libzccache.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libzccache.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc $(LDFLAGS) -pthread -o $@ $< $(BUILD)/libzccache.a $(PKG_LIBS) -lcmocka

unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do $$t || exit 1; done

integration: $(BUILD)/zccache $(BUILD)/zccache-core
	$(Q)ZCCACHE=$(abspath $(BUILD)/zccache) tests/integration/run.sh

check: unit integration

# Both programs, side by side: zccache runs zccache-core from its directory.
PREFIX ?= /usr/local
install: $(BUILD)/zccache $(BUILD)/zccache-core
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/zccache-core $(DESTDIR)$(PREFIX)/bin/zccache-core
	install -m 755 $(BUILD)/zccache $(DESTDIR)$(PREFIX)/bin/zccache

clean:
	rm -rf $(BUILD)

.PHONY: all unit integration check clean install
-include $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d $(THIN_OBJS:.o=.d)
