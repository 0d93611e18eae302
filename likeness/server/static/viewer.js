// The likeness viewer: a three.js avatar driven by face frames from a WebSocket session.
// Query parameters start a session at once (the tests use them):
//   ?session=watch&channel=NAME | ?session=talk | ?session=mirror, &binary=0|1, &avatar=ID
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { VRMLoaderPlugin, VRMUtils } from "@pixiv/three-vrm";
import { decodeBinaryFrame, decodeJsonFrame, encodeImage } from "/static/protocol.js";
import { LiveBuffer, Utterance } from "/static/playback.js";

const BACKGROUND = 0x262a33;
const PING_INTERVAL_MS = 2000;
const CLIENT_STATS_INTERVAL_MS = 1000;
const TALK_LEAD_S = 0.15;        // audio is scheduled this far ahead so it starts on time
const MIRROR_INTERVAL_MS = 33;   // camera images sent at most ~30 per second, one in flight

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// What tests (and curious users, from the console) can read.
const state = window.likeness = {
  avatarReady: false, avatarError: null, morphTargets: [], session: null, connected: false,
  framesReceived: 0, framesMissing: 0, lastSeq: -1, lastWeights: null, networkLatencyMs: [],
  server: {}, talkLog: [], utterances: [], errors: [],
  vrm: null,  // for a VRM avatar: {version, expressions: {ARKit name: expression}, missing: [...]}
};

// -- scene ---------------------------------------------------------------------------------------
const canvas = $("view");
const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(1);
renderer.setSize(canvas.width, canvas.height, false);
const scene = new THREE.Scene();
scene.background = new THREE.Color(BACKGROUND);
scene.add(new THREE.HemisphereLight(0xffffff, 0x404050, 1.6));
const key = new THREE.DirectionalLight(0xffffff, 2.0);
key.position.set(0.3, 0.5, 1.0);
scene.add(key);
const camera = new THREE.PerspectiveCamera(25, 1, 0.01, 100);
const head = new THREE.Group();  // rotated by the head pose, about the head origin
scene.add(head);
let drive = { meshes: [], eyes: { left: null, right: null }, vrm: null, expressions: {} };
let names = [];                   // ARKit names in weight order, from the server's hello
let avatarId = params.get("avatar");  // an uploaded avatar's id; null: the built-in synthetic one
let grantId = params.get("grant");    // an uploaded consent grant's id, for an uploaded avatar

async function loadAvatar(url) {
  state.avatarReady = false;
  const loader = new GLTFLoader();
  loader.register((parser) => new VRMLoaderPlugin(parser));
  const gltf = await loader.loadAsync(url);
  const vrm = gltf.userData.vrm ?? null;
  if (vrm?.meta?.metaVersion === "0") VRMUtils.rotateVRM0(vrm);  // VRM 0.x faces -z
  const root = vrm ? vrm.scene : gltf.scene;
  head.clear();
  head.add(root);
  const meshes = [], found = new Set();
  root.traverse((node) => {
    if (node.morphTargetDictionary) { meshes.push(node); Object.keys(node.morphTargetDictionary).forEach((n) => found.add(n)); }
  });
  const eyes = vrm ? vrmEyes(vrm) : { left: findEye(root, "left"), right: findEye(root, "right") };
  const mapping = vrm ? await vrmExpressions(vrm, found) : { expressions: {}, missing: [] };
  drive = { meshes, eyes, vrm, expressions: mapping.expressions };
  state.morphTargets = [...found].sort();
  state.vrm = vrm && { version: vrm.meta?.metaVersion ?? "?", ...mapping };
  frameCamera(root);
  state.avatarReady = true;
}

// A VRM's expressions stand in for the ARKit channels it has no morph target of its own for:
// the channel's own name first ("perfect sync" custom expressions), then the server's fallbacks
// (the same table the renderer uses: aa for jawOpen, blinkLeft or blink for eyeBlinkLeft...).
async function vrmExpressions(vrm, targets) {
  const { names: arkit, fallbacks } = await (await fetch("/api/expression-fallbacks")).json();
  const byKey = new Map(vrm.expressionManager.expressions.map((e) => [e.expressionName.toLowerCase(), e.expressionName]));
  const expressions = {}, missing = [];
  for (const name of arkit) {
    if (targets.has(name)) continue;
    const source = [name.toLowerCase(), ...(fallbacks[name] ?? [])].find((k) => byKey.has(k));
    if (source) expressions[name] = byKey.get(source);
    else missing.push(name);
  }
  return { expressions, missing };
}

function vrmEyes(vrm) {
  const eye = (bone) => {
    const node = vrm.humanoid?.getRawBoneNode(bone);
    return node && { node, rest: node.quaternion.clone() };
  };
  return { left: eye("leftEye"), right: eye("rightEye") };
}

function findEye(root, side) {
  const short = side[0];
  const pattern = new RegExp(`(eye.*(${side}|[_.]${short}$))|(${side}.*eye)`, "i");
  let match = null;
  root.traverse((node) => { if (!match && !node.isMesh && pattern.test(node.name)) match = node; });
  return match && { node: match, rest: match.quaternion.clone() };
}

// Avatars made in the head frame (likeness's own, and any with its origin between the eyes)
// are framed on the face; others on their whole extent.
const FACE_BOX = new THREE.Box3(new THREE.Vector3(-0.11, -0.16, -0.1), new THREE.Vector3(0.11, 0.1, 0.1));

function frameCamera(object) {
  const whole = new THREE.Box3().setFromObject(object);
  const box = whole.containsPoint(new THREE.Vector3()) ? FACE_BOX : whole;
  const center = box.getCenter(new THREE.Vector3()), size = box.getSize(new THREE.Vector3());
  const distance = (Math.max(size.x, size.y) * 0.55) / Math.tan(THREE.MathUtils.degToRad(camera.fov / 2));
  camera.position.set(center.x, center.y, center.z + size.z / 2 + distance);
  camera.near = distance / 100; camera.far = distance * 10;
  camera.lookAt(center);
  camera.updateProjectionMatrix();
}

const euler = new THREE.Euler(0, 0, 0, "YXZ"), eyeTurn = new THREE.Quaternion();
function applyPose(pose) {
  for (const mesh of drive.meshes) {
    const dict = mesh.morphTargetDictionary, influences = mesh.morphTargetInfluences;
    for (let k = 0; k < names.length; k++) {
      const index = dict[names[k]];
      if (index !== undefined) influences[index] = pose.weights[k];
    }
  }
  if (drive.vrm) {
    // Several channels may drive one expression (eyeBlinkLeft and eyeBlinkRight -> blink).
    const values = {};
    for (let k = 0; k < names.length; k++) {
      const expression = drive.expressions[names[k]];
      if (expression) values[expression] = Math.max(values[expression] ?? 0, pose.weights[k]);
    }
    for (const [expression, value] of Object.entries(values)) drive.vrm.expressionManager.setValue(expression, value);
    drive.vrm.expressionManager.update();
  }
  head.quaternion.set(...pose.headRotation);
  for (const [side, offset] of [["left", 0], ["right", 2]]) {
    const eye = drive.eyes[side];
    if (!eye) continue;
    euler.set(pose.eyes[offset + 1], pose.eyes[offset], 0, "YXZ");
    eye.node.quaternion.copy(eye.rest).multiply(eyeTurn.setFromEuler(euler));
  }
  state.lastWeights = pose.weights;
}

// -- status panel --------------------------------------------------------------------------------
const renderTimes = [];
function showStatus() {
  const now = performance.now();
  const fps = renderTimes.filter((t) => t > now - 1000).length;
  const latency = state.networkLatencyMs.slice(-120).sort((a, b) => a - b);
  const pct = (p) => latency.length ? latency[Math.min(latency.length - 1, Math.floor(p * latency.length))].toFixed(1) : "–";
  const rows = {
    session: state.session ? `${state.session.kind} ${state.session.id}` : "none",
    connected: state.connected ? "yes" : "no",
    "display fps": fps,
    "frames/s from server": state.server.fps ?? "–",
    "server→page ms (median / p95)": `${pct(0.5)} / ${pct(0.95)}`,
    "dropped (server / missing here)": `${state.server.frames_dropped ?? 0} / ${state.framesMissing}`,
    "interpolation delay ms": (live.delayS * 1000).toFixed(0),
  };
  for (const [stage, figures] of Object.entries(state.server.latency_ms || {})) {
    rows[`${stage} ms (median / p95)`] = `${figures.median_ms} / ${figures.p95_ms}`;
  }
  $("status").replaceChildren(...Object.entries(rows).flatMap(([k, v]) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = String(v);
    return [dt, dd];
  }));
}

function say(text, isError = false) {
  $("message").textContent = text;
  if (isError) state.errors.push(text);
}

// -- sessions ------------------------------------------------------------------------------------
const live = new LiveBuffer();
let socket = null, clockOffsetMs = 0, bestRttMs = Infinity, timers = [];
let talk = { context: null, analyser: null, current: null, pendingMessage: null };

function startSession(kind, { channel, binary }) {
  stopSession();
  // The server's consent gate checks the likeness shown, so the session names the avatar.
  const query = new URLSearchParams({ binary: binary ? "1" : "0" });
  if (avatarId) query.set("avatar", avatarId);
  if (grantId) query.set("grant", grantId);
  if ($("context").value) query.set("context", $("context").value);
  const path = kind === "watch" ? `/ws/watch/${encodeURIComponent(channel)}` : `/ws/${kind}`;
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}?${query}`);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { state.connected = true; };
  socket.onclose = (event) => {
    state.connected = false;
    if (event.code !== 1000 && event.code !== 1005) say(`session closed (${event.code}): ${event.reason}`, true);
  };
  socket.onmessage = (event) => onMessage(event.data);
  $("say-form").hidden = kind !== "talk";
}

function stopSession() {
  timers.forEach(clearInterval);
  timers = [];
  if (socket) socket.close(1000);
  socket = null;
  live.reset();
  Object.assign(state, { session: null, framesReceived: 0, framesMissing: 0, lastSeq: -1 });
}

function onMessage(data) {
  if (data instanceof ArrayBuffer) {
    if (new Uint8Array(data, 0, 4).every((b, i) => b === "RIFF".charCodeAt(i))) return playUtterance(data);
    return onFrame(decodeBinaryFrame(data));
  }
  const message = JSON.parse(data);
  switch (message.type) {
    case "frame": return onFrame(decodeJsonFrame(message));
    case "hello":
      names = message.names;
      state.session = { id: message.session, kind: message.kind };
      clockOffsetMs = message.server_ms - Date.now();
      timers.push(setInterval(ping, PING_INTERVAL_MS), setInterval(reportStats, CLIENT_STATS_INTERVAL_MS));
      ping();
      if (message.kind === "mirror") startCamera();
      return;
    case "pong": {
      const now = Date.now(), rtt = now - message.client_ms;
      if (rtt <= bestRttMs) { bestRttMs = rtt; clockOffsetMs = message.server_ms - (message.client_ms + now) / 2; }
      return;
    }
    case "stats": state.server = message; return;
    case "utterance": talk.pendingMessage = message; return;
    case "error": say(message.message, true); return;
  }
}

function onFrame(frame) {
  state.framesReceived++;
  if (state.lastSeq >= 0 && frame.seq > state.lastSeq + 1) state.framesMissing += frame.seq - state.lastSeq - 1;
  state.lastSeq = frame.seq;
  state.networkLatencyMs.push(Date.now() + clockOffsetMs - frame.sentMs);
  if (state.networkLatencyMs.length > 1000) state.networkLatencyMs.splice(0, 500);
  live.push(frame, performance.now() / 1000);
}

function ping() {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping", client_ms: Date.now() }));
}

function reportStats() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const latency = state.networkLatencyMs.slice(-120).sort((a, b) => a - b);
  socket.send(JSON.stringify({
    type: "stats", frames_received: state.framesReceived, frames_missing: state.framesMissing,
    display_fps: renderTimes.filter((t) => t > performance.now() - 1000).length,
    network_median_ms: latency.length ? latency[Math.floor(latency.length / 2)] : null,
  }));
}

// -- talk: the animation runs on the audio clock, so sound and face cannot drift apart -----------
function audioContext() {
  if (!talk.context) {
    talk.context = new AudioContext();
    talk.analyser = talk.context.createAnalyser();
    talk.analyser.fftSize = 512;
    talk.analyser.connect(talk.context.destination);
  }
  return talk.context;
}

async function playUtterance(wav) {
  const message = talk.pendingMessage;
  talk.pendingMessage = null;
  if (!message) return say("audio arrived without its animation", true);
  const context = audioContext();
  await context.resume();
  const buffer = await context.decodeAudioData(wav);
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(talk.analyser);
  const startS = context.currentTime + TALK_LEAD_S;
  source.start(startS);
  const utterance = { animation: new Utterance(message), startS, durationS: buffer.duration, id: message.id };
  talk.current = utterance;
  const record = { id: message.id, durationS: buffer.duration, sampleRate: context.sampleRate, ended: false };
  state.utterances.push(record);
  source.onended = () => {
    record.ended = true;
    if (talk.current === utterance) talk.current = null;
  };
}

// Seconds of the current utterance's audio being heard now (output latency included).
function audiblePositionS() {
  const context = talk.context, ts = context.getOutputTimestamp();
  const contextS = ts.contextTime + (performance.now() - ts.performanceTime) / 1000;
  return contextS - talk.current.startS;
}

// Each talk frame drawn is logged: the animation time shown, the audible audio time when the
// drawing was done (their difference is the audio-visual offset the viewer sees), the audio
// time the analyser was reading and the loudness it read (to check the audio really plays there).
const analyserSamples = new Float32Array(512);
function talkPose() {
  if (!talk.current) return null;
  const audioS = audiblePositionS();
  if (audioS < 0) return null;
  const pose = talk.current.animation.sample(audioS);
  talk.analyser.getFloatTimeDomainData(analyserSamples);
  let sum = 0;
  for (const v of analyserSamples) sum += v * v;
  pose.logEntry = {
    utterance: talk.current.id, animS: pose.shownTS, analysedS: talk.context.currentTime - talk.current.startS,
    analysedWindowS: analyserSamples.length / talk.context.sampleRate,
    rms: Math.sqrt(sum / analyserSamples.length), jawOpen: pose.weights[names.indexOf("jawOpen")],
  };
  return pose;
}

function logTalkFrame(entry) {
  entry.drawnAudioS = audiblePositionS();
  entry.offsetMs = (entry.animS - entry.drawnAudioS) * 1000;
  state.talkLog.push(entry);
}

// -- mirror: the webcam, one JPEG in flight at a time -------------------------------------------
async function startCamera() {
  const video = $("camera");
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  } catch (error) {
    return say(`camera: ${error.message}`, true);
  }
  await video.play();
  const grab = document.createElement("canvas");
  grab.width = video.videoWidth; grab.height = video.videoHeight;
  let seq = 0, busy = false;
  timers.push(setInterval(() => {
    if (busy || !socket || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount > 0) return;
    busy = true;
    grab.getContext("2d").drawImage(video, 0, 0);
    const captureMs = Date.now();
    grab.toBlob(async (blob) => {
      if (blob && socket) socket.send(encodeImage(seq++, captureMs, await blob.arrayBuffer()));
      busy = false;
    }, "image/jpeg", 0.8);
  }, MIRROR_INTERVAL_MS));
}

// -- the render loop -----------------------------------------------------------------------------
function animate() {
  requestAnimationFrame(animate);
  const pose = talkPose() ?? live.sample(performance.now() / 1000);
  if (pose && names.length) applyPose(pose);
  renderer.render(scene, camera);
  if (pose?.logEntry) logTalkFrame(pose.logEntry);
  const now = performance.now();
  renderTimes.push(now);
  while (renderTimes[0] < now - 2000) renderTimes.shift();
}

// -- controls ------------------------------------------------------------------------------------
async function listChannels() {
  const channels = await (await fetch("/api/channels")).json();
  $("channel").replaceChildren(...channels.map((c) => new Option(`${c.name} (${c.source})`, c.name)));
}

$("session-form").addEventListener("submit", (event) => {
  event.preventDefault();
  startSession($("session-kind").value, { channel: $("channel").value, binary: $("binary").checked });
});
$("session-kind").addEventListener("change", () => { $("channel-field").hidden = $("session-kind").value !== "watch"; });
$("say-form").addEventListener("submit", (event) => {
  event.preventDefault();
  audioContext().resume();  // inside the click: browsers only start audio on a user gesture
  socket?.send(JSON.stringify({ type: "say", text: $("say-text").value }));
});
$("avatar-file").addEventListener("change", async () => {
  const file = $("avatar-file").files[0];
  if (!file) return;
  const response = await fetch("/api/avatars", {
    method: "POST", body: file, headers: { "Content-Type": "model/gltf-binary", "X-Filename": file.name },
  });
  const body = await response.json();
  if (!response.ok) return say(`${file.name}: ${body.detail}`, true);
  // The file is already here: the server serves an upload back only under a grant.
  const local = URL.createObjectURL(file);
  try { await loadAvatar(local); } finally { URL.revokeObjectURL(local); }
  avatarId = body.id;
  restartSession();
  say(body.missing.length ? `${file.name}: loaded; it cannot show ${body.missing.join(", ")}` : `${file.name}: loaded`);
});

// The avatar the page names: an upload (served under the grant and context given) or the
// built-in one.
async function showAvatar() {
  let url = "/api/avatars/default.glb";
  if (avatarId) {
    const query = new URLSearchParams();
    if (grantId) query.set("grant", grantId);
    if ($("context").value) query.set("context", $("context").value);
    url = `/api/avatars/${encodeURIComponent(avatarId)}.glb?${query}`;
  }
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error((await response.json()).detail);
    const local = URL.createObjectURL(await response.blob());
    try { await loadAvatar(local); } finally { URL.revokeObjectURL(local); }
    state.avatarError = null;
  } catch (error) {
    state.avatarError = String(error.message || error);
    say(`avatar: ${state.avatarError}`, true);
  }
}

function restartSession() {
  if (state.session) startSession(state.session.kind, { channel: $("channel").value, binary: $("binary").checked });
}

$("grant-file").addEventListener("change", async () => {
  const file = $("grant-file").files[0];
  if (!file) return;
  const response = await fetch("/api/grants", { method: "POST", body: file, headers: { "Content-Type": "application/json" } });
  const body = await response.json();
  if (!response.ok) return say(`${file.name}: ${body.detail}`, true);
  grantId = body.id;
  say(`${file.name}: consent of ${body.subject} for ${body.contexts.join(", ")} until ${body.expires}`);
  if (state.avatarError) await showAvatar();
  restartSession();
});

async function main() {
  $("context").value = params.get("context") || "";
  animate();
  setInterval(showStatus, 500);
  listChannels().catch((error) => say(`channels: ${error.message}`, true));
  await showAvatar();
  const kind = params.get("session");
  if (kind) {
    $("session-kind").value = kind;
    startSession(kind, { channel: params.get("channel") || "", binary: params.get("binary") !== "0" });
  }
}
main();
