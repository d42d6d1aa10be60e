# Finds a JDK 25 or newer and exports it as JAVA_HOME (with its bin first on PATH). POSIX sh, so that the Maven
# wrapper (sh), the launcher and CI (bash) all source the same rule:
#   1. JAVA_HOME, if it is 25 or newer;
#   2. the java on PATH, if it is;
#   3. the usual install folders (Debian/Ubuntu packages and Temurin's, Temurin's images, macOS, SDKMAN), newest first.
# Where none is found it says what to install and returns 1. MAMBA_TS_JDK_MIN overrides the required release.
# `mamba_ts_find_jdk runtime` accepts a JRE (no javac): the Docker image runs on one.

mamba_ts_jdk_min="${MAMBA_TS_JDK_MIN:-25}"

# The feature release of the JDK at $1 (a JAVA_HOME), from its `release` file, or from `java -version` without one;
# 0 when $1 has no java, or no javac unless $2 is "runtime".
mamba_ts_jdk_feature() {
  [ -x "$1/bin/java" ] || { echo 0; return; }
  [ "${2:-}" = runtime ] || [ -x "$1/bin/javac" ] || { echo 0; return; }
  if [ -f "$1/release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release")"
  else
    v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  fi
  echo "${v:-0}"
}

mamba_ts_find_jdk() {
  candidates=""
  [ -n "${JAVA_HOME:-}" ] && candidates="$JAVA_HOME"
  if command -v java >/dev/null 2>&1; then
    path_java="$(command -v java)"
    path_java="$(readlink -f "$path_java" 2>/dev/null || echo "$path_java")"
    candidates="$candidates
$(dirname "$(dirname "$path_java")")"
  fi
  # Newest first: sort the folder names by the version number they carry. (The Maven wrapper runs with globbing
  # off, set -f; it is on for this one line.)
  case "$-" in *f*) noglob=1; set +f ;; *) noglob=0 ;; esac
  installed="$(ls -d /usr/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* 2>/dev/null | sort -t- -k2 -V -r)"
  [ "$noglob" = 1 ] && set -f
  candidates="$candidates
$installed"
  found=""
  old_ifs="$IFS"; IFS='
'
  for home in $candidates; do
    [ -n "$home" ] || continue
    if [ "$(mamba_ts_jdk_feature "$home" "${1:-}")" -ge "$mamba_ts_jdk_min" ] 2>/dev/null; then found="$home"; break; fi
  done
  IFS="$old_ifs"
  if [ -z "$found" ]; then
    echo "mamba-ts needs a JDK $mamba_ts_jdk_min or newer and found none (looked at JAVA_HOME, the java on PATH," >&2
    echo "/usr/lib/jvm, /opt/java, macOS's JavaVirtualMachines and SDKMAN). Install Temurin $mamba_ts_jdk_min," >&2
    echo "for example 'apt-get install temurin-$mamba_ts_jdk_min-jdk' from packages.adoptium.net or" >&2
    echo "'sdk install java $mamba_ts_jdk_min-tem', or point JAVA_HOME at one." >&2
    return 1
  fi
  JAVA_HOME="$found"
  PATH="$found/bin:$PATH"
  export JAVA_HOME PATH
}
