# One image for the three services (watcher, checker, enforcer); docker-compose.yml picks the
# entry point. Node 24 runs the TypeScript sources directly (type stripping), so no build step.
FROM node:24-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first: this layer is reused until package*.json change.
COPY package*.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY services/ ./services/
COPY schemas/ ./schemas/

# The image's built-in unprivileged user; the sources stay root-owned, so read-only to it.
USER node

CMD ["node", "services/watcher/main.ts"]
