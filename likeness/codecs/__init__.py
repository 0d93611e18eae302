"""Wire formats, each encoded and decoded in one module, shared by sinks, sources and the server.

- :mod:`likeness.codecs.livelink`: the Live Link Face app's UDP packet (ARKit mode).
- :mod:`likeness.codecs.vmc`: VMC (OSC over UDP) bundles out, OSC datagrams in.
- :mod:`likeness.codecs.vrchat`: VRChat's OSC avatar parameters and native eye tracking.
- :mod:`likeness.codecs.websocket`: face frames as JSON text or 268-byte binary messages.
"""
