# cli/: the one binary, `schemagate`, and its subcommands.
bin_PROGRAMS += schemagate
schemagate_SOURCES = cli/main.c \
	cli/opts.c cli/opts.h cli/runtime.c cli/runtime.h
schemagate_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS)
schemagate_LDADD = gateway/libsggateway.a registry/libsgregistry.a compat/libsgcompat.a \
	$(GATEWAY_LIBS) $(REGISTRY_LIBS) $(COMPAT_LIBS)
schemagate_SOURCES += cli/check.c cli/check.h cli/regfetch.c cli/regfetch.h \
	cli/validate.c cli/validate.h
# serve: the gateway's schema source reading the registry's store in-process.
schemagate_SOURCES += cli/inproc.c cli/inproc.h
