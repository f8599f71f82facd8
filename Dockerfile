# Dockerfile: schemagate in a small Debian bookworm image.
#
#   docker build -t schemagate .
#   docker run -p 8081:8081 -p 9092:9092 -v schemagate-data:/var/lib/schemagate schemagate
#
# Stage "build" compiles with autotools (the packages of scripts/install-deps
# build); the final stage holds the stripped binary and the runtime libraries
# only, and runs as the unprivileged user "schemagate" (uid 10001). The
# registry's SQLite database lives in the volume /var/lib/schemagate.

FROM debian:bookworm-slim AS build
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		gcc make autoconf automake pkg-config \
		libmicrohttpd-dev libgnutls28-dev libssl-dev libjansson-dev libsqlite3-dev \
		libcurl4-openssl-dev libpcre2-dev librdkafka-dev libavro-dev libevent-dev \
		zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
	&& mkdir -p /build \
	&& cd /build \
	&& /src/configure --prefix=/usr/local \
	&& make -j"$(nproc)" schemagate \
	&& strip schemagate \
	&& ./schemagate version

FROM debian:bookworm-slim
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		libmicrohttpd12 libgnutls30 libssl3 libjansson4 libsqlite3-0 libcurl4 libpcre2-8-0 \
		librdkafka1 libevent-2.1-7 libevent-pthreads-2.1-7 \
		zlib1g libsnappy1v5 liblz4-1 libzstd1 ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 schemagate \
	&& useradd --system --uid 10001 --gid schemagate --home-dir /var/lib/schemagate \
		--no-create-home --shell /usr/sbin/nologin schemagate \
	&& mkdir -p /var/lib/schemagate \
	&& chown schemagate:schemagate /var/lib/schemagate
COPY --from=build /build/schemagate /usr/local/bin/schemagate
USER 10001:10001
WORKDIR /var/lib/schemagate
VOLUME ["/var/lib/schemagate"]
# 8081: the registry's REST API, /health and /metrics. 9092: the Kafka gateway.
EXPOSE 8081 9092
ENTRYPOINT ["schemagate"]
CMD ["serve", "--registry-listen", "0.0.0.0:8081", "--db", "/var/lib/schemagate/schemagate.db"]
