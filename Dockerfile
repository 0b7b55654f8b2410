# tkeops: a multi-stage build on Node 20 slim.
#   docker build -t tkeops:0.2.0 .
#   docker run --env-file .env -p 3000:3000 -v tkeops-data:/var/lib/tkeops tkeops:0.2.0

# ---- build: every dependency, then tsc → dist/ ------------------------------------------------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm ci runs `prepare`, which builds dist/.
RUN npm ci --no-audit --no-fund

# ---- runtime: production dependencies and the compiled bot only ------------------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_FILE=/var/lib/tkeops/db.json
WORKDIR /app
COPY package.json package-lock.json ./
# No dev dependencies (no TypeScript, tsx or esbuild) and no install scripts (prepare needs tsc).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Shipped data: the example policy and the cluster profiles (Kubernetes mounts its ConfigMaps instead).
COPY data/policy.yaml ./data/policy.yaml
COPY data/profiles ./data/profiles
# The store lives on a volume, writable by the non-root user (uid 1000: "node" in the Node image).
RUN mkdir -p /var/lib/tkeops && chown 1000:1000 /var/lib/tkeops
VOLUME ["/var/lib/tkeops"]
USER 1000:1000
EXPOSE 3000
# node itself is PID 1's command (no npm, no shell): SIGTERM reaches the bot, which stops gracefully.
# The same command as `npm start`; a 4 MB young generation keeps the resident set small (README, Benchmark).
CMD ["node", "--max-semi-space-size=4", "dist/index.js"]
