# syntax=docker/dockerfile:1
# The tenantry binary in a small Debian image: built static (CGO_ENABLED=0)
# in a Go stage, run as an unprivileged user next to PostgreSQL's client
# tools (pg_dump, pg_restore, psql), which tenant export and import need.
#
#   docker build -t tenantry .
#   docker run --rm tenantry --help
#
# An application built on Tenantry uses the same file with its own main
# package: docker build --build-arg MAIN=./cmd/myapp -t myapp .

ARG GO_VERSION=1.26
ARG DEBIAN=bookworm

FROM golang:${GO_VERSION}-${DEBIAN} AS build
WORKDIR /src
# Modules first, so that a change of code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG MAIN=./cmd/tenantry
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tenantry "$MAIN"

FROM debian:${DEBIAN}-slim
# postgresql-client is PostgreSQL 15's on bookworm: pg_dump must be at
# least as new as the server, so use a newer Debian (or PGDG's packages)
# for a newer server.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tenantry \
 && useradd --system --uid 10001 --gid tenantry --home-dir /var/lib/tenantry --create-home --shell /usr/sbin/nologin tenantry
COPY --from=build /out/tenantry /usr/local/bin/tenantry
USER tenantry:tenantry
WORKDIR /var/lib/tenantry
# TENANTRY_DIR holds the mail outbox (without TENANTRY_SMTP_URL) and
# exports; mount a volume there to keep them.
ENV TENANTRY_DIR=/var/lib/tenantry TENANTRY_ADDR=:8000
VOLUME ["/var/lib/tenantry"]
EXPOSE 8000
ENTRYPOINT ["tenantry"]
CMD ["serve"]
