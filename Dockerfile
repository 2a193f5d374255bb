FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
COPY tsconfig.json ./
ENTRYPOINT ["node", "bin/bulk-export.js"]
CMD ["--help"]
