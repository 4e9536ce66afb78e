# One image for every Tally process; the command picks which (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY gen gen
COPY services services
COPY scripts/dev scripts/dev
RUN npx tsc -p tsconfig.build.json && cp gen/tally.binpb dist/gen/tally.binpb

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 50051 50052 50053 9461 9462 9463 9464
CMD ["node", "dist/services/campaign/src/main.js"]
