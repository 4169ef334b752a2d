# dbsub with Oracle Instant Client: a laptop needs nothing but Docker.
#
#   docker compose build dbsub
#   docker compose run --rm dbsub doctor
#   docker compose run --rm dbsub show-deps --seed-object SEEDLOT
#
# The project folder is mounted at /work (see the `dbsub` service in docker-compose.yml), so
# .env, plans, migrations/ and data/ are the host's. Walk-through: docs/oracle.md.

# Build on the same Oracle Linux release as the runtime image, so the binary links against the
# glibc it runs with.
ARG ORACLE_LINUX=9
ARG INSTANT_CLIENT=23

FROM oraclelinux:${ORACLE_LINUX} AS build
RUN dnf -y install gcc make perl && dnf clean all
# rustup's minimal profile: the toolchain only, at this pinned version, so that an image built
# today and one built next year compile with the same compiler. At least Cargo.toml's
# rust-version; .ci/docker-context-check checks that. Another: --build-arg RUST_TOOLCHAIN=1.xx.y
ARG RUST_TOOLCHAIN=1.95.0
RUN curl -fsSL https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --default-toolchain "${RUST_TOOLCHAIN}"
ENV PATH=/root/.cargo/bin:$PATH
WORKDIR /src
# Dependencies first, so that a source change does not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY benches benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked && rm -rf src
COPY src src
COPY templates templates
# The demo's schema, vocabulary and classification are compiled in (include_str!).
COPY data/demo/schema.sql data/demo/vocabulary.toml data/demo/classification.csv data/demo/
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

# Oracle's own image with Instant Client (Basic) installed and on the library path.
FROM ghcr.io/oracle/oraclelinux${ORACLE_LINUX}-instantclient:${INSTANT_CLIENT}
COPY --from=build /src/target/release/dbsub /usr/local/bin/dbsub
# A user without privileges; docker-compose.yml runs it as the host's user so that the files it
# writes into the mounted project folder are the user's.
RUN useradd --create-home --uid 10001 dbsub
USER dbsub
WORKDIR /work
ENTRYPOINT ["dbsub"]
CMD ["--help"]
