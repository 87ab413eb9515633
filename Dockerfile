# One image for every `dialler` command: serve, worker, db migrate, db seed, ...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone: this layer survives code changes.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY domain ./domain
COPY infrastructure ./infrastructure
COPY service_layer ./service_layer
COPY graphql_api ./graphql_api
COPY sync_worker ./sync_worker
COPY cli ./cli
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin dialler

# A writable home as the working directory (a .env or the embedded default's .dialler).
USER dialler
WORKDIR /home/dialler
EXPOSE 8000

# No image-wide HEALTHCHECK: only `serve` answers /health (compose checks the api).
ENTRYPOINT ["dialler"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
