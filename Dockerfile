FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json ./
# Workers run the compiled CLI (dist/); the TypeScript compiler is needed only for this step.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
ENTRYPOINT ["node", "bin/bulk-export.js"]
CMD ["--help"]
