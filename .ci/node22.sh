# CI helper, sourced by .ci/run (and by .ci/slow when long suites arrive): puts a Node >= 22.12 first on PATH.
# On machines whose Node is older it installs Node 22 from the npm registry (the `node` package ships the binary)
# into $HOME/.node22, reusing an earlier install when it is recent enough.

readonly FORKLAB_NODE_MIN_MAJOR=22
readonly FORKLAB_NODE_MIN_MINOR=12
readonly FORKLAB_NODE22_PREFIX="$HOME/.node22"

# node_is_recent BINARY: succeeds when BINARY runs and reports a version >= 22.12.
node_is_recent() {
  local version major minor
  version=$("$1" --version 2>/dev/null) || return 1
  version=${version#v}
  IFS=. read -r major minor _ <<<"$version"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > FORKLAB_NODE_MIN_MAJOR || (major == FORKLAB_NODE_MIN_MAJOR && minor >= FORKLAB_NODE_MIN_MINOR)))
}

if ! node_is_recent node; then
  echo "Node $(node --version 2>/dev/null || echo '(none)') is older than ${FORKLAB_NODE_MIN_MAJOR}.${FORKLAB_NODE_MIN_MINOR}."
  if node_is_recent "$FORKLAB_NODE22_PREFIX/bin/node"; then
    echo "Using the Node 22 already installed in $FORKLAB_NODE22_PREFIX."
  else
    echo "Installing Node 22 from the npm registry into $FORKLAB_NODE22_PREFIX."
    npm install -g --prefix "$FORKLAB_NODE22_PREFIX" node@22
  fi
  export PATH="$FORKLAB_NODE22_PREFIX/bin:$PATH"
  if ! node_is_recent node; then
    echo "error: expected Node >= ${FORKLAB_NODE_MIN_MAJOR}.${FORKLAB_NODE_MIN_MINOR} on PATH, got $(node --version 2>/dev/null || echo 'none')" >&2
    exit 1
  fi
fi
