FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs the `prepare` script (scripts/build.mjs, which uses bin/compiled-cli.js); it builds nothing
# yet, as src/ is copied afterwards.
COPY bin ./bin
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY simulators ./simulators
COPY workers ./workers
COPY tsconfig.json tsconfig.build.json ./
# Workers run the compiled CLI (dist/); the TypeScript compiler is needed only for this step.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
ENTRYPOINT ["node", "bin/bulk-export.js"]
CMD ["--help"]
