#!/usr/bin/env bash
# The browser the page tests drive: Debian's chromium at /usr/bin/chromium (Playwright is told to use
# it, so no browser build is downloaded), plus CJK fonts so Chinese text renders in screenshots.
# Usage: scripts/browser.sh install|path
set -euo pipefail

chromium="/usr/bin/chromium"

ensure_installed() {
  local missing=()
  [ -x "$chromium" ] || missing+=(chromium)
  fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

case "${1:-install}" in
  install) ensure_installed; echo "browser: $("$chromium" --version 2>/dev/null)" ;;
  path) echo "$chromium" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
