/* tests/kafka/gwrun.c: a test-only driver that runs the gateway from flags,
 * so the real-broker tests need not wait for the CLI:
 *
 *   gwrun --listen 127.0.0.1:0 (--brokers h:p[,h:p...] | --mock N)
 *         --broker-port-base N [--advertised-host H] [--max-frame BYTES]
 *
 * Once listening it prints "port P base N" on stdout, then serves until
 * SIGTERM or SIGINT. Log lines go to stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/error.h"
#include "gateway/gateway.h"

static struct gateway *gwrun_gw;

static void gwrun_on_signal(int sig)
{
	(void)sig;
	if (gwrun_gw)
		gateway_stop(gwrun_gw);
}

static void gwrun_usage(void)
{
	fprintf(stderr, "usage: gwrun --listen HOST:PORT (--brokers HOST:PORT[,...] | --mock N) "
	                "[--broker-port-base N] [--advertised-host H] [--max-frame BYTES]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct gateway_options o;
	struct sg_error err;
	struct sigaction sa;

	memset(&o, 0, sizeof o);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			gwrun_usage();
		if (!strcmp(argv[i], "--listen"))
			o.listen = v;
		else if (!strcmp(argv[i], "--brokers"))
			o.brokers = v;
		else if (!strcmp(argv[i], "--advertised-host"))
			o.advertised_host = v;
		else if (!strcmp(argv[i], "--broker-port-base"))
			o.broker_port_base = atoi(v);
		else if (!strcmp(argv[i], "--mock"))
			o.mock_brokers = atoi(v);
		else if (!strcmp(argv[i], "--max-frame"))
			o.max_frame = (size_t)strtoull(v, NULL, 10);
		else
			gwrun_usage();
		i++;
	}
	error_clear(&err);
	gwrun_gw = gateway_open(&o, &err);
	if (!gwrun_gw) {
		fprintf(stderr, "gwrun: %s\n", err.msg);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gwrun_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("port %d base %d\n", gateway_port(gwrun_gw), gateway_broker_port_base(gwrun_gw));
	fflush(stdout);
	if (gateway_run(gwrun_gw, &err) != 0)
		fprintf(stderr, "gwrun: %s\n", err.msg);
	gateway_close(gwrun_gw);
	return 0;
}
