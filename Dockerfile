# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY flows flows
COPY storage storage
COPY locales locales
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# What documents are rendered with (see `make system-libs`).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 bina
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /app
RUN mkdir -p /app/data && chown bina:bina /app/data
USER bina
ENV DATABASE_URL=sqlite+aiosqlite:////app/data/bina.db \
    PYTHONUNBUFFERED=1
# Webhook mode only (WEBHOOK_URL set): the webhook and GET /healthz.
EXPOSE 8080
CMD ["bina", "run"]
