FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput
RUN useradd --system --home /app portal && mkdir -p /app/var && chown portal /app/var
USER portal
ENV STATIC_ROOT=/app/staticfiles
EXPOSE 8000
# The deployment check first: the container does not serve with a missing or public key, or insecure settings.
CMD ["sh", "-c", "python manage.py check --deploy --fail-level WARNING && exec gunicorn coe_portal.wsgi -b 0.0.0.0:8000 -w 3 --forwarded-allow-ips '*' --access-logfile - --logger-class coe_portal.core.logging.RedactingGunicornLogger"]
