# One image for web (gunicorn), Celery worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install '.[embeddings]'
COPY . .
RUN pip install --no-deps -e . \
 && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 cxalign && chown -R cxalign /app
USER cxalign
EXPOSE 8000
CMD ["gunicorn", "cxalign.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
