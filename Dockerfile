# syntax=docker/dockerfile:1
# The worker image (the last stage, `runtime`): `docker build -t crm-bulk-export .`, then
#   docker run --rm crm-bulk-export worker --concurrency 4
# It runs the compiled CLI as the unprivileged `node` user, with the runtime dependencies alone and no
# package manager. `--target simulator` builds the Virtuous simulator for docker-compose demos instead.
#
# Node 24 (LTS), the line CI runs the tests on besides Node 22, the oldest supported (.ci/run); Debian 13
# (trixie), the slim variant with the longest security support. See docs/deployment.md.
ARG NODE_IMAGE=node:24-trixie-slim

# Compiles src/ into dist/ with the development dependencies (the TypeScript compiler).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs the `prepare` script (scripts/build.mjs, which uses bin/compiled-cli.js); it builds nothing
# yet, as src/ is copied afterwards.
COPY bin ./bin
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The Virtuous simulator runs its TypeScript through tsx, a development tool: an image of its own, built on
# the build stage, so the worker image carries no development dependency.
FROM build AS simulator
COPY simulators ./simulators
USER node
EXPOSE 8080
ENTRYPOINT ["node", "--import", "tsx", "scripts/simulator.ts"]

# The runtime dependencies alone (`prepare` finds no src/ here and builds nothing).
FROM ${NODE_IMAGE} AS runtime-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts/build.mjs ./scripts/build.mjs
# valibot (under Bull Board) names typescript as an optional peer, so npm installs the root's development
# dependency typescript even with --omit=dev (it is "devOptional"); nothing loads it at run time.
RUN npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/typescript node_modules/@typescript

FROM ${NODE_IMAGE} AS runtime
# No package manager at run time: npm, npx and corepack (and Yarn 1, frozen upstream) are removed.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
  /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v*
# A worker serves /metrics, /healthz and /readyz on 127.0.0.1:9464 (METRICS_HOST=0.0.0.0 and BOARD_USER/
# BOARD_PASSWORD expose them to Prometheus and Kubernetes probes: docs/kubernetes.md).
# MALLOC_ARENA_MAX=2: glibc keeps two malloc arenas instead of one per thread (the main thread, the Parquet
# encoding thread, libuv's pool), which keeps a FullContact Parquet worker's peak RSS tens of MB lower.
ENV NODE_ENV=production \
  METRICS_PORT=9464 \
  MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json ./
COPY bin ./bin
COPY --from=runtime-dependencies /app/node_modules ./node_modules
# dist/ without src/: the launcher runs the compiled CLI (there are no sources to be stale against).
COPY --from=build /app/dist ./dist
USER node
EXPOSE 9464
# Alive = the worker's HTTP server answers /healthz (slim images have no curl; Node's fetch does it).
# Other commands run from this image (board, start, ...) serve no /healthz: compose disables the check there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.METRICS_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/bulk-export.js"]
CMD ["--help"]
