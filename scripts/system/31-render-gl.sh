# moderngl's EGL backend (glcontext) looks up libGL with find_library('GL') as well as libEGL,
# so the renderer needs libGL.so.1 beside the EGL packages of 10-egl.sh.
need_deb libgl1
