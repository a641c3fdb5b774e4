# syntax=docker/dockerfile:1

# Build: all dependencies, compile TypeScript to dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# The service's files alone: production refuses simulator mode, so its image carries neither the simulator
# nor the demo (server.ts loads them only in simulator mode).
RUN cp -r dist service-dist && rm -r service-dist/simulator service-dist/demo

# Runtime dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# `--target service`: the production service alone. Production refuses simulator mode, so this image
# carries neither the simulator nor the demo; deployments build it.
FROM node:24-slim AS service
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/service-dist ./dist
COPY package.json ./
# The image's unprivileged user; node runs as PID 1 and handles SIGTERM/SIGINT itself.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--min-semi-space-size=16", "--disable-warning=FAST_JWT_CACHE_KEY_BUILDER_SECURITY_RISK", "dist/server.js"]

# `--target simulator`: the Dwolla simulator alone, for docker compose and the Kubernetes trial.
FROM node:24-slim AS simulator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3001
CMD ["node", "dist/simulator/server.js"]

# The default target: the service with its embedded simulator and demo, so a plain `docker build .`
# can be tried without Dwolla credentials by clearing NODE_ENV (docs/operations.md shows how); with
# them it is the production service. Deployments build `--target service`, which ships neither.
FROM service
COPY --from=build /app/dist/simulator ./dist/simulator
COPY --from=build /app/dist/demo ./dist/demo
