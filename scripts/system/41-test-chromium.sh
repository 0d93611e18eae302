# Debian's Chromium, driven by Playwright in the browser tests of `likeness serve`.
need_deb chromium
