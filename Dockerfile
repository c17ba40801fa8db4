# The service in a container. Build:   docker build -t techmarket .
# Run (SQLite, its file, the search index and the signing secret in the volume):
#   docker run -p 8080:8080 -p 9464:9464 -v techmarket-data:/data techmarket
# PostgreSQL instead: add -e DATABASE_URL=postgres://…

# The toolchain Cargo.toml's rust-version names.
ARG RUST_VERSION=1.90

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src

# Dependencies first, in a layer of their own that only Cargo.toml and Cargo.lock invalidate:
# the manifest is built once over stub targets (cargo wants every declared target's file).
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/api benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > tests/api/main.rs \
    && for bench in $(awk '/^\[\[bench\]\]/ { b = 1; next } b && /^name/ { gsub(/"/, "", $3); print $3; b = 0 }' Cargo.toml); do \
         echo 'fn main() {}' > "benches/$bench.rs"; \
       done \
    && cargo build --release --locked --bin techmarket \
    && rm -rf src

# Then the service. Migrations, templates and the API document are compiled into the binary.
COPY src src
COPY migrations migrations
COPY templates templates
COPY api-spec api-spec
# Newer than the stubs' build, whatever times the copy kept.
RUN touch src/lib.rs src/main.rs \
    && cargo build --release --locked --bin techmarket

FROM debian:bookworm-slim
# CA certificates for TLS to PostgreSQL, SMTP and RabbitMQ.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin techmarket \
    && mkdir -p /data \
    && chown techmarket:techmarket /data
COPY --from=builder /src/target/release/techmarket /usr/local/bin/techmarket

# Everything the service keeps lives under /data: the embedded SQLite file, the search index,
# the generated token-signing secret, the statistics snapshot, mail written to files.
ENV APP_DATA_DIR=/data \
    APP_LISTEN=0.0.0.0:8080 \
    APP_METRICS_LISTEN=0.0.0.0:9464 \
    APP_LOG_FORMAT=json
VOLUME ["/data"]
WORKDIR /data
USER techmarket
# The API, and Prometheus's /metrics.
EXPOSE 8080 9464

# No curl in the slim image: bash's /dev/tcp asks /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["techmarket"]
CMD ["serve"]
