#!/usr/bin/env bash
# Train the Rasa model only when the training inputs changed since the last model.
#
# Two fingerprints, because Rasa reuses the output of unchanged training steps from its cache
# (.rasa/cache) and decides "unchanged" from config, YAML data and each component class's own
# source only:
# - data: config, domain and the YAML training data. Rasa sees these changes itself, so a change
#   here trains with its cache (only the steps affected are redone).
# - support: the jieba user dictionary and entity patterns (read from disk by path) and the custom
#   NLU code (helpers outside the component classes). Rasa does not see these, and with its cache
#   it would keep, for example, the old dictionary in the new model. A change here trains with
#   --force, i.e. without the cache.
# `scripts/train_if_needed.sh --force` always trains, without the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

model="models/kefu.tar.gz"
stamp="models/kefu.fingerprint"

fingerprint_of() {
  find "$@" -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.jsonl' -o -name '*.py' \) -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

data=$(fingerprint_of config.yml domain.yml data/nlu data/rules data/stories)
support=$(fingerprint_of data/dict data/patterns bot/text bot/components)
wanted="data $data
support $support"

force=""
why="inputs changed"
if [ "${1:-}" = "--force" ]; then
  force="--force"
  why="--force: without Rasa's cache"
elif [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "model is up to date ($model)"
  exit 0
elif [ ! -f "$model" ] || [ ! -f "$stamp" ]; then
  force="--force"
  why="no model yet, or no record of what it was trained on"
elif [ "$(grep '^support ' "$stamp" 2>/dev/null)" != "support $support" ]; then
  force="--force"
  why="dictionary, patterns or NLU code changed: training without Rasa's cache"
fi

echo "training the model ($why) ..."
start=$(date +%s)
# --skip-validation: Rasa's check before training loads all the data twice more (17 s of a
# 4-minute training); `make validate` and tests/test_consistency.py run the same checks, stricter.
rasa train $force --skip-validation --fixed-model-name kefu --out models --quiet
echo "$wanted" > "$stamp"
echo "trained $model in $(( $(date +%s) - start )) s"
