# One image for all three apps; docker-compose.yml picks the entry point per service.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
COPY local ./local
COPY tools ./tools
RUN npm run build && npm prune --omit=dev

FROM node:20.19-bookworm-slim
# tini as PID 1: forwards SIGTERM/SIGINT to Node (a PID 1 Node ignores signals it has no handler
# for) and reaps zombies; in the image, so compose, `docker run` and Kubernetes all get it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# Never run as root inside the container.
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
# Readiness of whichever app the command starts (tools/healthcheck reads it from PID 1's command
# line and the port from the same config the app reads): `ok` and `degraded` are healthy, `down`
# and no answer are not. Every 30 s: each check loads the config (about a second of CPU).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/tools/healthcheck/main.js"]
CMD ["node", "dist/apps/api-gateway/src/main.js"]
