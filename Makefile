# sixstack — top-level build. `make` builds libsix, sixd, sixctl, sixkey into build/.
# make SAN=1 ...   ASan+UBSan build in build/san/
# make check       build everything and run every test layer (tests/run)
# make demo        run the simulated-network demo (no root needed)
# make fuzz SECONDS=N   run every libFuzzer target for N seconds each
# make install [PREFIX=/usr/local] [DESTDIR=]   binaries, man pages, libsix.a,
#                  headers, sixstack.pc, systemd units, examples; make uninstall

CC      ?= cc
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
OPT     ?= -O2 -g
INC     := -Iinclude -Isrc
SAN     ?= 0

ifeq ($(SAN),1)
BUILD   ?= build/san
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS:=
endif

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(INC) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
# libpq (Debian's libpq-dev) for the PostgreSQL lease store, src/dhcp6/lease_pg.c
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PG_LIBS   := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
LDLIBS  += $(PG_LIBS) -lcrypto -lm

LIB_SRC   := $(wildcard src/core/*.c src/wire/*.c src/link/*.c src/net/*.c src/transport/*.c src/apps/*.c src/dhcp6/*.c src/dns/*.c src/dstm/*.c src/ctl/*.c src/ipsec/*.c)
SIXD_SRC  := $(wildcard src/sixd/*.c)
SIXCTL_SRC:= $(wildcard tools/sixctl/*.c)
SIXKEY_SRC:= $(wildcard tools/sixkey/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
SIM_SRC   := $(wildcard tests/sim/test_*.c)
TESTLIB   := $(wildcard tests/lib/*.c)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_SH  := $(wildcard bench/bench_*.sh)
DEMO_SRC  := $(wildcard examples/demo/*.c)
EXAMPLE_SRC := $(wildcard examples/sockets/*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
# C helper programs of the interop tests (tests/interop/*.c → build/tests/interop/)
INTEROP_SRC := $(wildcard tests/interop/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB      := $(BUILD)/libsix.a
SIXD     := $(BUILD)/sixd
SIXCTL   := $(BUILD)/sixctl
SIXKEY   := $(BUILD)/sixkey
DEMO     := $(BUILD)/sixdemo
EXAMPLES := $(patsubst examples/sockets/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRC))
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
SIMS     := $(patsubst tests/sim/%.c,$(BUILD)/tests/sim/%,$(SIM_SRC))
BENCHES  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
INTEROP_PROGS := $(patsubst tests/interop/%.c,$(BUILD)/tests/interop/%,$(INTEROP_SRC))

.PHONY: all tests check demo fuzz fuzz-build bench clean deps install uninstall FORCE
# keep object files of test and bench programs between runs
.SECONDARY:
all: $(LIB) $(SIXD) $(SIXCTL) $(SIXKEY) $(DEMO) $(EXAMPLES)
tests: all $(UNITS) $(SIMS) $(INTEROP_PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/src/dhcp6/lease_pg.o: CFLAGS += $(PG_CFLAGS)
$(BUILD)/obj/tests/interop/%.o: CFLAGS += $(PG_CFLAGS)

# The version: `git describe` at build time, BASE_VERSION where there is no
# git (a release tarball). Only src/core/version.c sees it; a stamp file
# that changes with the version rebuilds that one object.
BASE_VERSION := 0.11
ifeq ($(origin VERSION),undefined)
VERSION := $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null | sed 's/^v//' | grep . || \
             { h=$$(git rev-parse --short HEAD 2>/dev/null) && echo $(BASE_VERSION)-g$$h; } || echo $(BASE_VERSION))
endif
VERSION_STAMP := $(BUILD)/version.stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" > $@
$(BUILD)/obj/src/core/version.o: $(VERSION_STAMP)
$(BUILD)/obj/src/core/version.o: CFLAGS += -DSIX_VERSION='"$(VERSION)"'

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SIXD): $(call obj,$(SIXD_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(SIXD_SRC)) $(LIB) $(LDLIBS)

$(SIXCTL): $(call obj,$(SIXCTL_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(SIXCTL_SRC)) $(LIB) $(LDLIBS)

$(SIXKEY): $(call obj,$(SIXKEY_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(SIXKEY_SRC)) $(LIB) $(LDLIBS)

$(DEMO): $(call obj,$(DEMO_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(DEMO_SRC)) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TESTLIB)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(TESTLIB)) $(LIB) $(LDLIBS)

$(BUILD)/tests/sim/%: $(BUILD)/obj/tests/sim/%.o $(call obj,$(TESTLIB)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(TESTLIB)) $(LIB) $(LDLIBS)

$(BUILD)/tests/interop/%: $(BUILD)/obj/tests/interop/%.o $(call obj,$(TESTLIB)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(TESTLIB)) $(LIB) $(LDLIBS)

$(BUILD)/examples/%: $(BUILD)/obj/examples/sockets/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BENCHES) $(SIXD) $(SIXCTL)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done
	@for b in $(BENCH_SH); do echo "== $$b"; SIXD=$(SIXD) $$b || exit 1; done

deps:
	@scripts/deps

check: deps tests
	@BUILD=$(BUILD) tests/run

demo: deps all
	@$(DEMO) demo-out

# libFuzzer targets: clang, ASan+UBSan, separate object tree.
FUZZ_BUILD := build/fuzz
FUZZ_CC    := clang
FUZZ_CFLAGS:= $(CSTD) -g -O1 $(INC) $(PG_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -DSIX_FUZZ -MMD -MP
FUZZ_LIBOBJ:= $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRC))
FUZZERS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIBOBJ) -o $@ $(LDLIBS)

fuzz-build: $(FUZZERS)
SECONDS ?= 10
fuzz: fuzz-build
	@for f in $(FUZZERS); do n=$$(basename $$f); mkdir -p build/fuzz/work/$$n; \
	  echo "== $$n ($(SECONDS)s)"; \
	  $$f -max_total_time=$(SECONDS) -print_final_stats=0 build/fuzz/work/$$n tests/fuzz/corpus/$$n || exit 1; done

# ------------------------------------------------------------- install
PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/sixstack
PKGCONFIGDIR   ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
SYSCONFDIR ?= /etc
INSTALL    ?= install
PUB_HEADERS := $(wildcard include/six/*.h)
MANPAGES    := $(wildcard man/*.8)
UNITS_SD    := contrib/systemd/sixd.service contrib/systemd/sixd@.service
EXAMPLE_FILES := $(wildcard examples/hometun/* examples/sockets/*.c examples/*.conf)
DOC_FILES   := README.md $(wildcard docs/*.md)

$(BUILD)/sixstack.pc: $(VERSION_STAMP) Makefile
	@mkdir -p $(dir $@)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: sixstack' 'Description: userspace IPv6/IPv4 dual-stack network stack (libsix)' \
	  'URL: https://example.invalid/sixstack' 'Version: $(VERSION)' \
	  'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lsix $(PG_LIBS) -lcrypto -lm' \
	  'Libs.private: $(PG_LIBS) -lcrypto -lm' > $@

# libsix is installed as a static library only: -lpq -lcrypto -lm are in Libs
# too, so `pkg-config --libs sixstack` links without --static.
install: $(LIB) $(SIXD) $(SIXCTL) $(SIXKEY) $(BUILD)/sixstack.pc
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(INCLUDEDIR)/six $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 755 $(SIXD) $(SIXCTL) $(SIXKEY) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libsix.a
	$(INSTALL) -m 644 $(BUILD)/sixstack.pc $(DESTDIR)$(PKGCONFIGDIR)/sixstack.pc
	$(INSTALL) -m 644 $(PUB_HEADERS) $(DESTDIR)$(INCLUDEDIR)/six/
	$(INSTALL) -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	for u in $(UNITS_SD); do \
	  sed 's|/usr/local/sbin/|$(SBINDIR)/|g; s|/etc/sixstack|$(SYSCONFDIR)/sixstack|g' $$u \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u) && chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u) || exit 1; \
	done
	$(INSTALL) -m 644 contrib/systemd/sixstack.sysusers $(DESTDIR)$(SYSUSERSDIR)/sixstack.conf
	$(INSTALL) -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	for f in $(EXAMPLE_FILES); do \
	  $(INSTALL) -D -m 644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sixd $(DESTDIR)$(SBINDIR)/sixctl $(DESTDIR)$(SBINDIR)/sixkey \
	  $(DESTDIR)$(LIBDIR)/libsix.a $(DESTDIR)$(PKGCONFIGDIR)/sixstack.pc \
	  $(addprefix $(DESTDIR)$(INCLUDEDIR)/six/,$(notdir $(PUB_HEADERS))) \
	  $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES))) \
	  $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS_SD))) \
	  $(DESTDIR)$(SYSUSERSDIR)/sixstack.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(INCLUDEDIR)/six 2>/dev/null

clean:
	rm -rf build demo-out

-include $(shell find $(BUILD)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
