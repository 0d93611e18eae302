# PortAudio, the audio I/O library under the sounddevice package (likeness lipsync --mic).
need_deb libportaudio2
