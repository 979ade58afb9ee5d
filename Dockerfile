# syntax=docker/dockerfile:1
# callbrief's container image: the production binary (no simulators), stripped, on distroless.
#
#   docker build -t callbrief .
#   docker run --rm -p 8080:8080 -e CALLBRIEF_API_KEYS=... -e GONG_ACCESS_KEY=... \
#     -e GONG_ACCESS_KEY_SECRET=... -v callbrief-cache:/var/cache/callbrief callbrief
#
# The image reads the same environment variables as `callbrief serve` (README, Configuration);
# it only changes the defaults that differ in a container: listen on every interface, the cache
# store in the /var/cache/callbrief volume, JSON logs.

# ---- build ---------------------------------------------------------------------------------
FROM rust:1-bookworm AS build
# A static (musl) binary: the runtime image then needs no C library at all.
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add "$(uname -m)-unknown-linux-musl"
WORKDIR /src
# The manifests first, so the dependency download is a layer of its own.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
    && cargo build --locked --profile dist -p callbrief --no-default-features --target "$target" \
    && install -D -m 0755 "target/$target/dist/callbrief" /out/callbrief \
    && install -d -m 0700 /out/cache

# ---- run -----------------------------------------------------------------------------------
# CA certificates, time zones and a non-root user only (the binary is static and TLS is rustls,
# in the binary); no C library, no shell, no package manager. About 2 MiB plus the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/callbrief /usr/local/bin/callbrief
# The cache store's directory, owned by the image's non-root user (65532).
COPY --from=build --chown=65532:65532 /out/cache /var/cache/callbrief
ENV CALLBRIEF_ADDR=0.0.0.0:8080 \
    CALLBRIEF_CACHE_DIR=/var/cache/callbrief \
    CALLBRIEF_LOG_FORMAT=json
VOLUME ["/var/cache/callbrief"]
USER 65532:65532
# The API; metrics only when CALLBRIEF_METRICS_ADDR=0.0.0.0:9090 is set.
EXPOSE 8080 9090
# No curl in the image: the binary probes its own /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/callbrief", "probe"]
ENTRYPOINT ["/usr/local/bin/callbrief"]
CMD ["serve"]
