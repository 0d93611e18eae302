// The WebSocket message format of likeness serve, as the page reads and writes it.
// Declared in likeness/server/protocol.py (envelope, image header) and
// likeness/codecs/websocket.py (the frame); tests/server/test_protocol.py pins the bytes.

export const ENVELOPE_BYTES = 16;   // "LS", version, pad, uint32 seq, float64 sent_ms
export const FRAME_BYTES = 268;     // version, flags, uint16 face id, float32 confidence, float64 t_s, 63 float32
export const IMAGE_HEADER_BYTES = 16; // "LI", version, pad, uint32 seq, float64 capture_ms
const VERSION = 1;
const N_WEIGHTS = 52;

// A face frame: {seq, sentMs, tS, found, weights: Float32Array(52), headRotation: [x,y,z,w], eyes: [ly, lp, ry, rp]}.
export function decodeBinaryFrame(buffer) {
  if (buffer.byteLength !== ENVELOPE_BYTES + FRAME_BYTES) {
    throw new Error(`binary frame of ${buffer.byteLength} bytes, expected ${ENVELOPE_BYTES + FRAME_BYTES}`);
  }
  const view = new DataView(buffer);
  if (view.getUint8(0) !== 0x4c || view.getUint8(1) !== 0x53 || view.getUint8(2) !== VERSION) {
    throw new Error("binary frame does not start with LS version 1");
  }
  const floats = new Float32Array(buffer, ENVELOPE_BYTES + 16, 63);
  return {
    seq: view.getUint32(4, true),
    sentMs: view.getFloat64(8, true),
    tS: view.getFloat64(ENVELOPE_BYTES + 8, true),
    found: (view.getUint8(ENVELOPE_BYTES + 1) & 1) === 1,
    weights: floats.slice(0, N_WEIGHTS),
    headRotation: Array.from(floats.subarray(N_WEIGHTS, N_WEIGHTS + 4)),
    eyes: Array.from(floats.subarray(N_WEIGHTS + 7, N_WEIGHTS + 11)),
  };
}

export function decodeJsonFrame(message) {
  const f = message.frame;
  return {
    seq: message.seq,
    sentMs: message.sent_ms,
    tS: f.t_s,
    found: f.found,
    weights: Float32Array.from(f.weights),
    headRotation: f.head_rotation,
    eyes: [f.eyes_rad[0][0], f.eyes_rad[0][1], f.eyes_rad[1][0], f.eyes_rad[1][1]],
  };
}

export function encodeImage(seq, captureMs, jpegBuffer) {
  const out = new Uint8Array(IMAGE_HEADER_BYTES + jpegBuffer.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x4c); view.setUint8(1, 0x49); view.setUint8(2, VERSION);
  view.setUint32(4, seq >>> 0, true);
  view.setFloat64(8, captureMs, true);
  out.set(new Uint8Array(jpegBuffer), IMAGE_HEADER_BYTES);
  return out.buffer;
}
