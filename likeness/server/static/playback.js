// Turning frames that arrive at the source's rate into poses at the display's rate.

// Live frames: kept in arrival order; the pose shown is the one `delayS` behind the newest
// source time mapped onto the local clock, interpolated between the two frames around it.
export class LiveBuffer {
  constructor({ delayS = 0.05, keep = 120 } = {}) {
    this.delayS = delayS;
    this.keep = keep;
    this.reset();
  }

  reset() {
    this.frames = [];
    this.offsetS = null;  // local clock minus source time, the smallest seen (least network delay)
  }

  push(frame, nowS) {
    const last = this.frames[this.frames.length - 1];
    if (last && frame.tS <= last.tS) this.reset();  // the source restarted or looped
    const offset = nowS - frame.tS;
    // Follow the least delay seen, creeping up slowly so a clock drift cannot stall playback.
    this.offsetS = this.offsetS === null ? offset : Math.min(this.offsetS + 1e-4, offset);
    this.frames.push(frame);
    if (this.frames.length > this.keep) this.frames.shift();
  }

  // The pose at local time nowS, or null before the first frame.
  sample(nowS) {
    if (!this.frames.length) return null;
    return interpolate(this.frames, nowS - this.offsetS - this.delayS);
  }
}

// A talk answer: an animation whose time zero is the first sample of its audio.
export class Utterance {
  constructor(message) {
    this.message = message;
    this.frames = message.t_s.map((tS, i) => ({
      tS, found: true,
      weights: Float32Array.from(message.weights[i]),
      headRotation: message.head_rotation[i],
      eyes: message.eyes_rad[i].flat(),
    }));
  }

  sample(tS) { return interpolate(this.frames, tS); }
}

// The pose at source time tS: weights and eyes linear, head rotation by slerp; clamped at the ends.
export function interpolate(frames, tS) {
  let hi = frames.findIndex((f) => f.tS >= tS);
  if (hi === -1) return { ...frames[frames.length - 1], shownTS: frames[frames.length - 1].tS };
  if (hi === 0) return { ...frames[0], shownTS: frames[0].tS };
  const a = frames[hi - 1], b = frames[hi];
  const u = (tS - a.tS) / (b.tS - a.tS);
  const weights = new Float32Array(a.weights.length);
  for (let k = 0; k < weights.length; k++) weights[k] = a.weights[k] + u * (b.weights[k] - a.weights[k]);
  return {
    tS, shownTS: tS, found: a.found && b.found, weights,
    headRotation: slerp(a.headRotation, b.headRotation, u),
    eyes: a.eyes.map((e, k) => e + u * (b.eyes[k] - e)),
  };
}

function slerp(p, q, u) {
  let dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2] + p[3] * q[3];
  const sign = dot < 0 ? -1 : 1;
  dot *= sign;
  if (dot > 0.9995) {
    const r = p.map((v, i) => v + u * (sign * q[i] - v));
    const n = Math.hypot(...r);
    return r.map((v) => v / n);
  }
  const theta = Math.acos(dot);
  const s = Math.sin(theta);
  const wp = Math.sin((1 - u) * theta) / s, wq = sign * Math.sin(u * theta) / s;
  return p.map((v, i) => wp * v + wq * q[i]);
}
