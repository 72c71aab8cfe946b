# The Lắng nghe server image: one installable distribution, served by granian.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY survey_server ./survey_server
COPY analysis ./analysis
COPY questionnaires ./questionnaires
COPY frontend_static ./frontend_static
RUN pip install . && useradd --system --home /app lang-nghe && mkdir -p /data && chown lang-nghe /data

USER lang-nghe
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["survey-server", "serve"]
