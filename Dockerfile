# whisperd on CPU. Build: docker build -t whisperd .   Run: docker run -p 50060:50060 whisperd
# The model packs named in MODELS are baked into the image; mount a volume on the cache
# (/home/whisperd/.cache/whisperd) to keep joined or downloaded models between runs, or
# mount a model directory and pass --model /models/<dir>.
FROM python:3.11.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends make=4.3-4.1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml constraints.txt Makefile README.md ./
COPY spec ./spec
COPY server ./server
ARG MODELS="base"
# The same command `make` runs for a local install of the server alone.
RUN make runtime VENV=/opt/whisperd MODELS="${MODELS}"

FROM python:3.11.11-slim-bookworm
COPY --from=build /opt/whisperd /opt/whisperd
RUN useradd --create-home --uid 10001 whisperd
USER 10001:10001
WORKDIR /home/whisperd
ENV PATH=/opt/whisperd/bin:$PATH \
    WHISPERD_HOST=0.0.0.0 \
    WHISPERD_CACHE_DIR=/home/whisperd/.cache/whisperd/models
# Join the split model pack now, so the container is ready to serve within seconds.
RUN whisperd models path base
VOLUME ["/home/whisperd/.cache/whisperd"]
EXPOSE 50060
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:50060/ready', timeout=4)"]
ENTRYPOINT ["whisperd", "serve"]
