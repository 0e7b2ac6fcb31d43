# geowire worker image: slim, non-root, knowledge base and schemas inside.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
RUN pip install -e . && useradd --system --uid 10001 --home /app geowire && chown -R geowire /app
USER geowire
EXPOSE 6066
ENTRYPOINT ["geowire"]
CMD ["worker"]
