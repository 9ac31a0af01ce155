# drainwatch - see README.md. `make run` and `make test` install missing
# build dependencies themselves (scripts/deps.sh).

PROG	= drainwatch
BUILD	?= build
PREFIX	?= /usr/local
PKGS	= libpcre2-8 yaml-0.1 libcjson libcurl libmicrohttpd libhs
TESTPKGS = cmocka

SRCS	:= $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
OBJS	:= $(SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard tests/test_*.c)
TESTS	:= $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOLS	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

WARN	= -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
	  -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	  -Wno-unused-parameter
ifeq ($(CI),true)
WARN	+= -Werror
endif
CFLAGS	?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP -Isrc $(PKG_CFLAGS) \
	  $(CFLAGS) $(SAN)
LDLIBS	= $(PKG_LIBS) -lm -lpthread
ASAN	= -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined

.PHONY: all deps-quiet deps run test unit e2e asan bench lint clean install \
	uninstall fuzz

all: deps-quiet $(BUILD)/$(PROG) $(PROG)

$(PROG): $(BUILD)/$(PROG)
	@ln -sf $(BUILD)/$(PROG) $(PROG)

deps-quiet:
	@scripts/deps.sh --quiet

deps:
	@scripts/deps.sh

# Tests and tools link against this archive, so each pulls in only the
# modules it uses.
LIB	= $(BUILD)/libdrainwatch.a

$(LIB): $(OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(BUILD)/$(PROG): $(BUILD)/src/main.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TESTPKGS)) \
	    -Itests -o $@ $< $(LIB) $(LDLIBS) \
	    $(shell pkg-config --libs $(TESTPKGS)) \
	    $(shell sed -n 's/^.*TEST_LDFLAGS: *\([^*]*\).*$$/\1/p' $<)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The agent with the shipped configuration and the drain endpoint on
# LISTEN (loopback: no credentials needed; see README for the rest).
LISTEN	?= 127.0.0.1:8080
run: all
	./$(BUILD)/$(PROG) -c agent.yaml --listen $(LISTEN)

# Unit tests, end-to-end tests, then the same under ASan + UBSan.
test: deps-quiet
	$(MAKE) --no-print-directory unit e2e
	$(MAKE) --no-print-directory BUILD=build-asan SAN="$(ASAN)" \
	    CFLAGS="-O1 -g" unit e2e

unit: $(BUILD)/$(PROG) $(TESTS) $(TOOLS)
	@tests/run-unit.sh $(BUILD)

e2e: $(BUILD)/$(PROG) $(TOOLS)
	@tests/run-e2e.sh $(BUILD)

asan:
	$(MAKE) --no-print-directory BUILD=build-asan SAN="$(ASAN)" \
	    CFLAGS="-O1 -g" unit e2e

bench: all $(TOOLS)
	@bench/run.sh $(BUILD)

lint:
	@scripts/lint.sh

# libFuzzer harness: logplex framer + parse_line (tests/fuzz), 60 s.
fuzz:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} sh tests/e2e/fuzz_logplex.sh

# make install [PREFIX=/usr/local] [DESTDIR=...]: binary, rules, example
# configuration, man page and systemd unit.
SYSCONFDIR ?= /etc
BINDIR	= $(PREFIX)/bin
DATADIR	= $(PREFIX)/share/drainwatch
MANDIR	= $(PREFIX)/share/man/man1
UNITDIR	?= /lib/systemd/system

install: $(BUILD)/$(PROG)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules \
	    $(DESTDIR)$(MANDIR) $(DESTDIR)$(SYSCONFDIR)/drainwatch \
	    $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/$(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 0644 rules/*.yaml $(DESTDIR)$(DATADIR)/rules/
	sed 's|^  - rules/\*\.yaml|  - $(DATADIR)/rules/*.yaml|' agent.yaml \
	    >$(DESTDIR)$(DATADIR)/agent.yaml.example
	test -f $(DESTDIR)$(SYSCONFDIR)/drainwatch/agent.yaml || \
	    install -m 0644 $(DESTDIR)$(DATADIR)/agent.yaml.example \
	    $(DESTDIR)$(SYSCONFDIR)/drainwatch/agent.yaml
	install -m 0644 docs/drainwatch.1 $(DESTDIR)$(MANDIR)/drainwatch.1
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    dist/drainwatch.service.in \
	    >$(DESTDIR)$(UNITDIR)/drainwatch.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(MANDIR)/drainwatch.1 \
	    $(DESTDIR)$(UNITDIR)/drainwatch.service
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz $(PROG)

-include $(OBJS:.o=.d) $(BUILD)/src/main.d
