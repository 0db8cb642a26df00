# Multi-stage build: a static meterflow binary in a minimal, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/meterflow .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/meterflow /usr/local/bin/meterflow
USER nonroot:nonroot
VOLUME ["/var/lib/meterflow"]
ENTRYPOINT ["/usr/local/bin/meterflow"]
CMD ["run", "--data", "/var/lib/meterflow"]
