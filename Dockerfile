# syntax=docker/dockerfile:1
# conform in a small image: the binary and the CA roots, nothing else.
#
#   docker build -t conform .
#   docker run --rm -v "$PWD:/work" -u "$(id -u):$(id -g)" conform run --tag gate
#
# The image's working folder is /work: mount the folder that holds checks/ and environments/
# there (reports are written under it, hence -u: as you, not as root).

# Build: rust's slim image has the C compiler `ring` needs. Both stages are Debian trixie, so
# the binary finds the same glibc at run time.
FROM rust:1-slim-trixie AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin conform \
    && cp target/release/conform /usr/local/bin/conform

# Run: Debian slim with ca-certificates, for servers that chain to a root of the system's
# store (conform also bundles Mozilla's roots).
FROM debian:trixie-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/conform /usr/local/bin/conform
WORKDIR /work
ENTRYPOINT ["conform"]
CMD ["--help"]
