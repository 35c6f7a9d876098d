#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages loopscope needs, but only the missing
# ones, so running it again on a ready machine does nothing and needs no
# network. tools/open and tools/test source this file for its helpers; run
# on its own it just installs.
#
# It asks apt for an update only when an install fails or the machine has
# never fetched package lists (a fresh container), because an update is slow
# and touches the network even when nothing is missing.

# The one list of packages. "a|b" means: the first of these that apt can
# install (clang-14 is the compiler the asan preset names; a plain `clang`
# is the fallback on releases that no longer ship it).
loopscope_packages=(
  cmake ninja-build g++ "clang-14|clang" "libclang-rt-14-dev|libclang-rt-dev"
  ccache pkg-config nlohmann-json3-dev catch2 libcli11-dev libglfw3-dev
  libimgui-dev libstb-dev libhttp-parser-dev libssl-dev libpcap-dev
  xvfb xauth fonts-dejavu-core tmux tshark
  wrk curl netcat-openbsd openssl
)

# The repository root, whatever the current directory.
loopscope_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

loopscope_say() {
  if [[ -t 2 ]]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}

loopscope_is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# Runs a command as root: directly when we are root, else through sudo.
loopscope_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    loopscope_say "need root to run: $* (and sudo is not installed)"
    return 1
  fi
}

loopscope_have_package_lists() {
  compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null \
    || compgen -G '/var/lib/apt/lists/*_Packages.*' >/dev/null
}

loopscope_apt_install() {
  loopscope_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "$@"
}

# Picks, for an "a|b" entry, the first alternative already installed or, if
# none is, the first that apt has a candidate for (the first one when apt
# knows none of them, so the install error names it).
loopscope_pick() {
  local choice alternatives
  IFS='|' read -r -a alternatives <<<"$1"
  for choice in "${alternatives[@]}"; do
    if loopscope_is_installed "$choice"; then echo "$choice"; return; fi
  done
  for choice in "${alternatives[@]}"; do
    if apt-cache policy "$choice" 2>/dev/null | grep -q 'Candidate: [^(]'; then
      echo "$choice"; return
    fi
  done
  echo "${alternatives[0]}"
}

loopscope_install_missing() {
  if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    loopscope_say "not a Debian/Ubuntu system: install the packages named in tools/setup.sh yourself"
    return 0
  fi
  local missing=() entry package
  for entry in "${loopscope_packages[@]}"; do
    package="$(loopscope_pick "$entry")"
    loopscope_is_installed "$package" || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    loopscope_say "all ${#loopscope_packages[@]} packages are installed"
    return 0
  fi
  loopscope_say "installing ${missing[*]}"
  if ! loopscope_have_package_lists; then
    loopscope_as_root apt-get update || return 1
    # Alternatives could only be judged once apt knew the packages.
    missing=()
    for entry in "${loopscope_packages[@]}"; do
      package="$(loopscope_pick "$entry")"
      loopscope_is_installed "$package" || missing+=("$package")
    done
  fi
  if ! loopscope_apt_install "${missing[@]}"; then
    loopscope_say "install failed; updating the package lists and trying once more"
    loopscope_as_root apt-get update && loopscope_apt_install "${missing[@]}"
  fi
}

# Stage timing: `loopscope_stage NAME command...` runs the command, prints how
# long it took and remembers it for loopscope_stage_summary. It returns the
# command's status, so callers stop at the first failing stage.
loopscope_stage_lines=()
loopscope_stage() {
  local name="$1" start status seconds
  shift
  loopscope_say "$name"
  start=$(date +%s)
  "$@"
  status=$?
  seconds=$(($(date +%s) - start))
  if ((status == 0)); then
    loopscope_stage_lines+=("$(printf '%-34s %4d:%02d  ok' "$name" $((seconds / 60)) $((seconds % 60)))")
  else
    loopscope_stage_lines+=("$(printf '%-34s %4d:%02d  FAILED (exit %d)' "$name" $((seconds / 60)) $((seconds % 60)) "$status")")
  fi
  loopscope_say "$name: $((seconds / 60))m$((seconds % 60))s"
  return "$status"
}

loopscope_stage_summary() {
  local line
  printf '\nstage                              time (m:ss)\n' >&2
  for line in "${loopscope_stage_lines[@]}"; do printf '%s\n' "$line" >&2; done
}

# Configures and builds one preset (release, debug, asan) in build/<preset>.
# Extra arguments go to the build step (e.g. --target loopscope).
loopscope_build() {
  local preset="$1"
  shift
  local configure_args=()
  # The asan preset names clang-14; fall back to a plain clang when only that is installed.
  if [[ $preset == asan ]] && ! command -v clang++-14 >/dev/null && command -v clang++ >/dev/null; then
    configure_args+=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
  fi
  # Build logs go to stderr, so that stdout carries only what loopscope prints.
  (cd "$loopscope_root" && cmake --preset "$preset" "${configure_args[@]}" \
     && cmake --build --preset "$preset" "$@") >&2
}

loopscope_ctest() {
  (cd "$loopscope_root" && ctest --preset "$1") >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -o pipefail
  loopscope_install_missing
fi
