# The dialogue server (Rasa 3.6, Python 3.10), its model trained into the image.
#   docker build -f deploy/dialogue.Dockerfile -t macau-guide/dialogue .
# Training takes about 15 minutes on 2 cores; the model is the same for every replica.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2

WORKDIR /app

# Against the frozen constraints only, as the Makefile's venv-rasa (pip < 25 as there too).
COPY requirements/rasa.in requirements/rasa-nodeps.in requirements/rasa-constraints.txt requirements/
RUN pip install "pip<25" && pip install -r requirements/rasa.in -c requirements/rasa-constraints.txt \
    && pip install --no-deps -r requirements/rasa-nodeps.in

# What training and serving import: the project, the NLU components (which read the language
# tags in knowledge/languages.py) and the channels. Not bot/actions: the guide service runs them.
# bot/nlu/userdict.txt, places.tsv and interests.tsv are generated from data/ by
# `macau-guide nlu-dictionary` (the guide's venv), and committed: they come from the build context.
COPY bot/__init__.py bot/config.yml bot/domain.yml bot/
COPY bot/data/ bot/data/
COPY bot/nlu/ bot/nlu/
COPY knowledge/__init__.py knowledge/languages.py knowledge/
COPY channels/ channels/

# The Makefile's model target, word for word (tests/deploy checks it); Rasa's cache goes after.
RUN rasa train --config bot/config.yml --domain bot/domain.yml --data bot/data \
        --out bot/models --fixed-model-name current \
    && rm -rf .rasa

# A numeric user, so Kubernetes can check runAsNonRoot. Rasa unpacks the model into /tmp.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/rasa rasa
USER 10001
EXPOSE 5005

# `/` answers once the model is loaded (about a minute).
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]

# A shell, so the tokens come from the environment at run time; `exec` makes Rasa PID 1 so it
# gets SIGTERM. It refuses to start without its tokens: an empty API token opens Rasa's API. The
# API token stays in the environment (RASA_TOKEN, read by channels/dialogue_server.py), off the
# command line that every user of the machine can read.
# Endpoints and credentials are mounted at /config (the dialogue-config ConfigMap in a cluster).
# No --cors: the web chat reaches /socket.io on its own host, through the ingress.
CMD : "${RASA_TOKEN:?set RASA_TOKEN (GUIDE_RASA_TOKEN of the guide service)}" \
      "${ACTION_ENDPOINT_TOKEN:?set ACTION_ENDPOINT_TOKEN (GUIDE_ACTION_TOKEN of the guide service)}" \
    && exec python -m channels.dialogue_server run --model bot/models/current.tar.gz --port 5005 \
        --endpoints /config/endpoints.yml --credentials /config/credentials.yml \
        --logging-config-file /config/logging.yml \
        --enable-api
