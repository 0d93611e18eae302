"""Speech to animation: phonemes from audio or text, visemes, coarticulated ARKit curves,
prosody, streaming, and text to speech."""
