# tests/: every test prints TAP. C unit tests use tests/tap.h.
EXTRA_DIST += tests/tap.h
TEST_CF = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
TEST_COMPAT_LIBS = compat/libsgcompat.a $(COMPAT_LIBS)

check_PROGRAMS += tests/unit/test_basics
tests_unit_test_basics_SOURCES = tests/unit/test_basics.c
tests_unit_test_basics_CFLAGS = $(TEST_CF)
tests_unit_test_basics_LDADD = $(TEST_COMPAT_LIBS)
TESTS += tests/unit/test_basics
