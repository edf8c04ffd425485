# The Rantang Kasih portal: one image for web (gunicorn), migrate, worker and beat.
# See docker-compose.yml and docs/operations.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# An unprivileged user runs everything. The code and the virtualenv stay owned by root, so the
# running portal cannot change them; it may write only its two upload folders.
RUN groupadd --gid 1000 app \
    && useradd --uid 1000 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

# Dependencies first (cached while the lock file is unchanged), from the hashed lock only.
# Every package in the lock has a wheel for CPython 3.11 on Linux (checked on x86-64): no
# compiler is needed (psycopg comes as psycopg[binary]).
COPY requirements/base.txt /tmp/requirements-base.txt
RUN python -m venv /opt/venv \
    && pip install --require-hashes --only-binary=:all: -r /tmp/requirements-base.txt \
    && rm /tmp/requirements-base.txt

WORKDIR /app
COPY . /app

# Static files are collected into the image (STATIC_ROOT, /app/var/static) and served by
# WhiteNoise. collectstatic needs no database. The values below exist only for this one RUN
# line, so that config.checks has nothing to refuse: they are throwaway, never in the image's
# ENV, and never used at run time (the real keys come from .env). The Fernet key is 32 zero
# bytes, valid in form and worthless as a secret.
RUN PORTAL_ENV=prod \
    SECRET_KEY=build-only-throwaway-secret-key-never-used-at-run-time-0123456789 \
    NIK_HMAC_KEY=build-only-throwaway-nik-hmac-key \
    PII_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media /data/private \
    && chown app:app /data/media /data/private \
    && chmod 750 /data/private

# Production unless told otherwise: a container started without its keys refuses to run
# instead of falling back to the development keys. Uploads live on volumes (docker-compose.yml).
ENV PORTAL_ENV=prod \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

USER app
EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
