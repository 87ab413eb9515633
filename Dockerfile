FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY infrastructure ./infrastructure
COPY service_layer ./service_layer
COPY graphql_api ./graphql_api
COPY sync_worker ./sync_worker
COPY cli ./cli
RUN pip install . && useradd --create-home --uid 10001 dialler
USER dialler
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
ENTRYPOINT ["dialler"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
