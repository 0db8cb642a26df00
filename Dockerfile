# Multi-stage build: a static meterflow binary in a small, non-root image.
#
# The runtime stage is Alpine rather than distroless so that a health check
# can run: busybox's wget asks meterflow's own /healthz (the binary has no
# health subcommand). The image is about 10 MB and runs as uid 65532.
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/meterflow .

FROM alpine:3.21
RUN addgroup -S -g 65532 meterflow \
 && adduser -S -D -H -u 65532 -G meterflow meterflow \
 && mkdir -p /var/lib/meterflow \
 && chown meterflow:meterflow /var/lib/meterflow
COPY --from=build /out/meterflow /usr/local/bin/meterflow
USER 65532:65532
WORKDIR /var/lib/meterflow
VOLUME ["/var/lib/meterflow"]
# 9470: /metrics, /healthz, /readyz (--http-listen); 4233: the embedded NATS
# server of a standalone run (unused with --nats-url)
EXPOSE 9470 4233
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:9470/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/meterflow"]
CMD ["run", "--data", "/var/lib/meterflow", "--http-listen", "0.0.0.0:9470"]
