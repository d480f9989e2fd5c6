# zccache - one Makefile, strict by default.
#   make                    build/zccache
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

LIB_SRCS = $(filter-out src/main.c,$(wildcard src/*/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/zccache

$(BUILD)/zccache: $(BUILD)/src/main.o $(BUILD)/libzccache.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(STATIC) -pthread -o $@ $^ $(PKG_LIBS)

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

integration: $(BUILD)/zccache
	$(Q)ZCCACHE=$(abspath $(BUILD)/zccache) tests/integration/run.sh

check: unit integration

clean:
	rm -rf $(BUILD)

.PHONY: all unit integration check clean
-include $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d
