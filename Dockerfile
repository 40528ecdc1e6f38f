# tickflow: the `tickflow` command and the dashboard it serves. The image carries the production
# dependencies, the sources, their JavaScript build (dist/, run by bin/tickflow.js: less memory
# than tsx) and the built dashboard.
#
#   docker build -t tickflow:0.1.0 .
#   docker run --rm tickflow:0.1.0 --help
#   docker compose -f deploy/docker-compose.yml up -d      # the whole split deployment
#
# Every base image is pinned (deploy's tests check it).

# ---- the builds: Vite builds web/ into web/dist (dev dependencies needed only here), esbuild
# src/ into dist/ ----
FROM node:20.19.4-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: talib (a test dependency) would compile with node-gyp, and `prepare`
# would build the dashboard before its sources are copied. esbuild (Vite's) needs its own.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild esbuild
COPY tsconfig.json vite.config.ts ./
COPY scripts ./scripts
COPY web ./web
RUN node web/build.js --force
COPY src ./src
RUN node scripts/build.js --force

# ---- production dependencies ----
FROM node:20.19.4-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild esbuild && npm cache clean --force

# ---- runtime ----
FROM node:20.19.4-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY samples ./samples
COPY --from=web /app/dist ./dist
COPY --from=web /app/web/dist ./web/dist
# The data dir (DuckDB file, Parquet lake, trained models) belongs to the unprivileged user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# 8080: API and dashboard (run, serve); 9464: /metrics, /health, /ready of ingest and process
EXPOSE 8080 9464
ENTRYPOINT ["node", "--max-semi-space-size=32", "bin/tickflow.js"]
CMD ["--help"]
