# sixstack — top-level build. `make` builds libsix, sixd, sixctl, sixkey into build/.
# make SAN=1 ...   ASan+UBSan build in build/san/
# make check       build everything and run every test layer (tests/run)
# make demo        run the simulated-network demo (no root needed)
# make fuzz SECONDS=N   run every libFuzzer target for N seconds each

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
LDLIBS  += -lcrypto -lm

LIB_SRC   := $(wildcard src/core/*.c src/wire/*.c src/link/*.c src/net/*.c src/transport/*.c src/apps/*.c src/ctl/*.c src/ipsec/*.c)
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

.PHONY: all tests check demo fuzz fuzz-build bench clean deps
# keep object files of test and bench programs between runs
.SECONDARY:
all: $(LIB) $(SIXD) $(SIXCTL) $(SIXKEY) $(DEMO) $(EXAMPLES)
tests: all $(UNITS) $(SIMS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

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
FUZZ_CFLAGS:= $(CSTD) -g -O1 $(INC) -fsanitize=fuzzer-no-link,address,undefined -DSIX_FUZZ -MMD -MP
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

clean:
	rm -rf build demo-out

-include $(shell find $(BUILD)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
