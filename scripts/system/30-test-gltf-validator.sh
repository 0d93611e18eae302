# The Khronos glTF validator (npm gltf-validator, pinned by tools/gltf-validator/package-lock.json),
# run by the avatar tests on every GLB likeness writes.
command -v npm >/dev/null || need_deb npm

install_gltf_validator() {
  local tool=tools/gltf-validator
  # npm ci wipes and reinstalls node_modules; skip it when the lock has not changed since.
  if [ ! -f "$tool/node_modules/.package-lock.json" ] \
     || [ "$tool/package-lock.json" -nt "$tool/node_modules/.package-lock.json" ]; then
    (cd "$tool" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
}
after_apt+=(install_gltf_validator)
