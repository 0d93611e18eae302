# Offscreen OpenGL through EGL (Mesa's llvmpipe where there is no GPU).
need_deb libegl1
need_deb libegl-mesa0
need_deb libgl1-mesa-dri
