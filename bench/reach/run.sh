#!/usr/bin/env bash
# Re-run the reach yardstick of issue 23 (bench/reach/REPOS.md, BASELINE.md).
#
#   bench/reach/run.sh [SCRATCH] [NAME...]
#
# For each of the 20 repositories: take the recorded commit from a bare mirror, extract it into
# SCRATCH/src/NAME (pristine) and SCRATCH/run/NAME (the copy the tool reads), then run
#   python -m codemod --select ALL --diff .            (stdout -> out/NAME.diff, stderr -> out/NAME.err)
#   python -m codemod --select ALL --output-format json . (stdout -> out/NAME.json: findings, refusals)
# from the copy's root with this checkout on PYTHONPATH, and record the exit codes in out/NAME.rc.
# --diff never writes and never imports the project (only --write verifies by importing).
#
# Mirrors: MIRRORS (default /work/.mirror) holding OWNER+NAME/repo or OWNER+NAME/repo/.git, as the
# session `fetch` tool brings them (fetch github:OWNER/NAME). Without one, the script tries
# `git clone --bare https://github.com/OWNER/NAME` into SCRATCH/mirror (needs network).
# Nothing from these repositories is ever copied into this repository.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCRATCH=${1:-/tmp/reach}
shift || true
MIRRORS=${MIRRORS:-/work/.mirror}
PY=${PYTHON:-python}
TIMEOUT=${TIMEOUT:-1800}

# NAME owner/repo commit
REPOS="
flask-bert KKogaa/flask-bert e8b1d55a936c9d2e51ea9f67781012036baaa327
pl-bert samirsalman/PytorchLightning-BERT 8dea84def2358a8eef5ce9e9e7af2cc616ef2f08
karlhl karlhl/Bert-classification-pytorch 023f25824341875b9ec9b5e687cfb28fe5a2646e
klue6-05 boostcampaitech6/level2-klue-nlp-05 a9b6efe603cf15cbc83def48d5273870f9844f45
bugsev BIGREASONS/BugSeverityPrediction-CodeBERT-KICL f62498fec91300a8f1d2bb293b94dcc886c696f8
cb-regression hjiang13/CODEBERT-REGRESSION c947398ea280ca6f1f5253969ee1c25c1035d5c1
kpath jabhinav/COMP517-Project-VulDetect-with-kPath-CodeBERT c6702a478d9fda6e984ee7a7e996e9610a570610
wangwenxi wangwenxi-handsome/BERT-NER adb878b1a87ef2b6cc319d7ad4ef374488bc78c6
shengdie shengdie/bert-ner 90e557da32474a7e6b6eb644dd5eb312dd3950ae
lebert wuguangshuo/LEBERT-NER bbc198cdf7d3c84366c09879b1fccc4f487e6f58
nozomu nozomu-karai/bert-ner c5707bd06bf9ae8198ebdda481d54f248cb5775c
nerchinese jjljkjljk/BERT-NER-Chinese 384084443fd631f2debe3fe12e2096805be56007
klue2-01 boostcampaitech2/klue-level2-nlp-01 642bbe4d1b0bc8fe8d82a74b2f0ad282553155e4
klue2-05 boostcampaitech2/klue-level2-nlp-05 09319d046080abb119f298fab23e3623a6585e08
kdcodebert Waylandite/KD_CodeBERT 0f316d97a40252493f10cff7cc1ce9e13612ac55
farah FarahR01/sentiment-bert e9e1168648c71908814d7b8cb0dd5fea793d4e49
kamiya y-kamiya/emotion-classification 8d5b6ab4aafd60607260dc87e5360c04bf149e18
race iamNCJ/bert-race-pytorch-lightning 93abcc5d5c80790e16114fb021870593cb60f1f2
t5pl TianHongZXY/T5-pytorch-lightning b4b9e019250c41f1053d731ffefdd4ddbdaa13ba
adarode Yang-Yanjing/AdaRode-XL 22b3e943e4bad74edb65cd12daf293a32a4c911f
"

mkdir -p "$SCRATCH/src" "$SCRATCH/run" "$SCRATCH/out" "$SCRATCH/mirror"

gitdir_of() {  # owner/repo -> a git dir holding it, or nothing
  local m="$MIRRORS/${1/\//+}/repo"
  [ -d "$m/.git" ] && m="$m/.git"
  if [ -d "$m" ]; then echo "$m"; return; fi
  m="$SCRATCH/mirror/${1/\//+}.git"
  [ -d "$m" ] || git clone -q --bare "https://github.com/$1" "$m" 2>/dev/null || { rm -rf "$m"; return; }
  echo "$m"
}

extract() {  # gitdir commit dest: git archive, else blob by blob (a snapshot may lack its largest files)
  local g=$1 c=$2 d=$3
  rm -rf "$d"; mkdir -p "$d"
  if git --git-dir="$g" archive "$c" 2>/dev/null | tar -x -C "$d" 2>/dev/null; then return 0; fi
  rm -rf "$d"; mkdir -p "$d"
  git --git-dir="$g" ls-tree -r -z "$c" | while IFS= read -r -d '' line; do
    meta=${line%%$'\t'*}; path=${line#*$'\t'}
    set -- $meta
    [ "$2" = blob ] || continue
    [ "$1" = 120000 ] && continue
    git --git-dir="$g" cat-file -e "$3" 2>/dev/null || continue
    mkdir -p "$d/$(dirname "$path")"
    git --git-dir="$g" cat-file blob "$3" > "$d/$path"
  done
}

echo "$REPOS" | while read -r name repo commit; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  g=$(gitdir_of "$repo")
  if [ -z "$g" ]; then echo "$name: no mirror of $repo (fetch github:$repo, or give network)"; continue; fi
  if ! git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "$name: commit $commit not in $g"; continue
  fi
  extract "$g" "$commit" "$SCRATCH/src/$name"
  rm -rf "$SCRATCH/run/$name"; cp -a "$SCRATCH/src/$name" "$SCRATCH/run/$name"
  (
    cd "$SCRATCH/run/$name" || exit
    PYTHONPATH="$ROOT" timeout "$TIMEOUT" "$PY" -m codemod --select ALL --diff --no-color . \
      > "$SCRATCH/out/$name.diff" 2> "$SCRATCH/out/$name.err"
    rc_diff=$?
    PYTHONPATH="$ROOT" timeout "$TIMEOUT" "$PY" -m codemod --select ALL --no-cache --output-format json . \
      > "$SCRATCH/out/$name.json" 2>> "$SCRATCH/out/$name.err"
    rc_check=$?
    echo "diff=$rc_diff check=$rc_check" > "$SCRATCH/out/$name.rc"
    echo "$name ($repo @ ${commit:0:8}): diff rc=$rc_diff check rc=$rc_check," \
      "$(grep -c '^+++ ' "$SCRATCH/out/$name.diff") files changed"
  )
done
