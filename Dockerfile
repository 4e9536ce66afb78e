# One image for every Tally process; the command picks which (see docker-compose.yml).
# Production runs the compiled JavaScript (npm run build) with plain node on Node.js 24 LTS, with
# production dependencies only: no TypeScript, tsx or buf in the image.
# test/install/prod-install.test.ts checks the same install and every `node dist/…` command.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile: the full install (TypeScript), then dist/ with the runtime files it reads.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed to compile: tsc and buf ship their binaries as platform packages.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gen gen
COPY services services
COPY scripts/dev scripts/dev
COPY envoy/tally.binpb envoy/tally.binpb
RUN npm run build

# 2. Production dependencies only (package-lock.json decides every version).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node_modules + dist/ + package.json ("type": "module" makes dist/*.js ES modules).
FROM ${NODE_IMAGE}
WORKDIR /app
# TALLY_MODE=production (also the default): the services refuse to start without an own
# TALLY_JWT_SECRET. Source maps point stack traces at the TypeScript lines.
ENV NODE_ENV=production \
    TALLY_MODE=production \
    NODE_OPTIONS=--enable-source-maps
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 50051 50052 50053 9461 9462 9463 9464
CMD ["node", "dist/services/campaign/src/main.js"]
