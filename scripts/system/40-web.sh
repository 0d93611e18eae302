# The browser viewer: three.js from npm (pinned by likeness/server/web/package-lock.json and
# served by `likeness serve` from node_modules).
command -v npm >/dev/null || need_deb npm

install_web_viewer() {
  local web=likeness/server/web
  # npm ci wipes and reinstalls node_modules; skip it when the lock has not changed since.
  if [ ! -f "$web/node_modules/.package-lock.json" ] \
     || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
}
after_apt+=(install_web_viewer)
