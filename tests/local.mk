# tests/: every test prints TAP. C unit tests use tests/tap.h.
EXTRA_DIST += tests/tap.h
TEST_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
TEST_COMPAT_LIBS = compat/libsgcompat.a $(COMPAT_LIBS)
