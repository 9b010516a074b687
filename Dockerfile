# Debrief container image: a static binary on distroless, running as a
# non-root user, with the SQLite database on a volume.
#
#   docker build --build-arg VERSION=v1.2.3 -t debrief .
#   docker run --rm -v debrief-data:/var/lib/debrief debrief user add --admin you@example.com
#   docker run -d -p 8080:8080 -v debrief-data:/var/lib/debrief \
#     -e DEBRIEF_PUBLIC_URL=https://debrief.example.com debrief
#
# docs/OPERATIONS.md ("In a container") explains the choices.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO_ENABLED=0: SQLite is pure Go (modernc), so the binary needs no libc
# and runs on an image without one.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/debrief ./cmd/debrief \
 && mkdir -p /out/data

# distroless/static: CA certificates, /etc/passwd with the nonroot user
# (65532) and nothing else; no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/debrief /usr/local/bin/debrief
# The volume's mount point must belong to the user before the volume is
# created from it, or the server cannot create its database there.
COPY --from=build --chown=65532:65532 /out/data /var/lib/debrief
USER 65532:65532
ENV DEBRIEF_ADDR=0.0.0.0:8080 \
    DEBRIEF_DB=/var/lib/debrief/debrief.db \
    DEBRIEF_LOG_FORMAT=json
VOLUME /var/lib/debrief
EXPOSE 8080
# No curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
  CMD ["/usr/local/bin/debrief", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/debrief"]
CMD ["serve"]
