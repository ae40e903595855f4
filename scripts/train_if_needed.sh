#!/usr/bin/env bash
# Train the Rasa model only when the training inputs changed since the last model.
# The fingerprint covers config, domain, training data, dictionaries, patterns and the custom NLU code.
set -euo pipefail
cd "$(dirname "$0")/.."

model="models/kefu.tar.gz"
stamp="models/kefu.fingerprint"
fingerprint=$(find config.yml domain.yml data/nlu data/rules data/stories data/dict data/patterns bot/text bot/components \
                -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.jsonl' -o -name '*.py' \) -print0 \
              | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)

if [ "${1:-}" != "--force" ] && [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
  echo "model is up to date ($model)"
  exit 0
fi
echo "training the model (inputs changed) ..."
start=$(date +%s)
rasa train --fixed-model-name kefu --out models --quiet
echo "$fingerprint" > "$stamp"
echo "trained $model in $(( $(date +%s) - start )) s"
