# One image for every Tally process; the command picks which (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY gen gen
COPY services services
COPY scripts/dev scripts/dev
COPY envoy/tally.binpb envoy/tally.binpb
RUN npx tsc -p tsconfig.build.json && mkdir -p dist/envoy && cp envoy/tally.binpb dist/envoy/tally.binpb

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 50051 50052 50053 9461 9462 9463 9464
CMD ["node", "dist/services/campaign/src/main.js"]
