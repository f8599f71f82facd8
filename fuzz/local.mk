# fuzz/: libFuzzer targets, built with ./configure --enable-fuzzing CC=clang.
# Each target reads one input and must never crash, hang or grow without bound.
if FUZZING
FUZZ_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
FUZZ_LINK = -fsanitize=fuzzer
endif
