# syntax=docker/dockerfile:1
#
# secbrief in a container: a static binary (no cgo: SQLite is modernc.org/sqlite)
# on distroless/static, which brings CA certificates and a non-root user and
# nothing else (no shell, no package manager). Build and run:
#
#   docker build -t secbrief .
#   docker run --rm -e DISCORD_TOKEN -e OPENAI_API_KEY -v secbrief-data:/var/lib/secbrief secbrief
#
# or `docker compose up -d` with docker-compose.yaml. The database lives on the
# volume at /var/lib/secbrief (the working directory, so the default
# storage.path secbrief.db lands there); the configuration, when there is one,
# is mounted read-only and named by SECBRIEF_CONFIG.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: this layer stays cached while only the code changes.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# CGO_ENABLED=0: a static binary that runs on distroless/static (no libc).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/secbrief ./cmd/secbrief
# The data directory, owned by the runtime user: a new named volume copies
# this ownership, so the bot can create its database there.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/secbrief /usr/local/bin/secbrief
COPY --from=build --chown=65532:65532 /out/data /var/lib/secbrief
# distroless's "nonroot" user; numeric, so runtimes can check it is not root.
USER 65532:65532
WORKDIR /var/lib/secbrief
VOLUME ["/var/lib/secbrief"]
# /metrics and /healthz, when metrics.listen is set to ":9464".
EXPOSE 9464
# secbrief exits 0 within 10 s of SIGTERM; docker stop waits 10 s by default.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/secbrief"]
CMD ["run"]
