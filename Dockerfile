FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Chinese fonts for the year-end report's charts, LibreOffice Writer to render it as PDF.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
        libreoffice-writer-nogui && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && mkdir -p /app/var /data/media
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000"]
