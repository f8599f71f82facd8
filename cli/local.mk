# cli/: the one binary, `schemagate`, and its subcommands (main dispatches;
# opts parses flags and SCHEMAGATE_* variables; runtime runs the services;
# check, regfetch and validate are the CI commands; passwd makes auth file
# entries; inproc is serve's in-process schema source for the gateway, reading
# the registry's store).
bin_PROGRAMS += schemagate
schemagate_SOURCES = %reldir%/main.c \
	%reldir%/opts.c %reldir%/opts.h %reldir%/runtime.c %reldir%/runtime.h \
	%reldir%/check.c %reldir%/check.h %reldir%/regfetch.c %reldir%/regfetch.h \
	%reldir%/validate.c %reldir%/validate.h %reldir%/passwd.c %reldir%/passwd.h \
	%reldir%/inproc.c %reldir%/inproc.h
