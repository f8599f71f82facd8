# common/: pieces the registry, the gateway and the CLI share that are not
# schema logic: the HTTP client of a schema registry (regclient, libcurl) and
# a bounded LRU cache (lru); whole files read with a ceiling (readfile);
# files and folders watched for changes by polling (filewatch); the
# certificates of a CA file or folder as one PEM text (pembundle).
noinst_LIBRARIES += %reldir%/libsgcommon.a
%canon_reldir%_libsgcommon_a_SOURCES = \
	%reldir%/regclient.c %reldir%/regclient.h \
	%reldir%/lru.c %reldir%/lru.h \
	%reldir%/readfile.c %reldir%/readfile.h \
	%reldir%/filewatch.c %reldir%/filewatch.h \
	%reldir%/pembundle.c %reldir%/pembundle.h
