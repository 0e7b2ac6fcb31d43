# geowire image: the worker (default), the sink and the tools. Slim, non-root; the knowledge base
# (streams/data) and the wire contracts (schemas/) are inside the installed package.
#   docker build -t geowire:0.1.0 .
#   docker run --rm -e GEOWIRE_BROKER=kafka://broker:9092 geowire:0.1.0 worker
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/geowire
COPY pyproject.toml README.md /src/
COPY streams /src/streams
COPY schemas /src/schemas
# A regular (not editable) install: the wheel carries the schemas as streams/schemas, where
# streams/contracts.py looks first (pyproject.toml).
RUN /opt/geowire/bin/pip install /src \
 && cd / && /opt/geowire/bin/python -c "from streams.contracts import SCHEMA_FILES, schema_dir, validator; [validator(n) for n in SCHEMA_FILES]; assert schema_dir().parent.name == 'streams', schema_dir()" \
 && /opt/geowire/bin/python -c "from streams.ingest import build_enricher; from streams.settings import from_env; build_enricher(from_env({}))" \
 && /opt/geowire/bin/python -c "from streams.sink.migrations import MIGRATIONS_DIR as d; assert any(d.glob('*.sql')), f'no migrations in {d}'"

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/geowire/bin:$PATH \
    GEOWIRE_WEB_HOST=0.0.0.0 GEOWIRE_LOG_FORMAT=json
RUN useradd --system --uid 10001 --user-group --home-dir /home/geowire --create-home geowire
COPY --from=build /opt/geowire /opt/geowire
USER geowire
WORKDIR /home/geowire
EXPOSE 6066
# Ready: broker reached, partitions assigned, knowledge loaded (see README, "Operations").
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ.get('GEOWIRE_WEB_PORT', '6066'), timeout=4)"]
ENTRYPOINT ["geowire"]
CMD ["worker"]
