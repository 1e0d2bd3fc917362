// Microphone capture: getUserMedia → AudioContext → capture worklet → onFrame(ArrayBuffer PCM16 LE
// mono 16 kHz, 40 ms) and onLevel(0..1 for a level meter).

const CAPTURE_RATE = 16000;
const CONSTRAINTS = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
};

export class Microphone {
  constructor({ onFrame = () => {}, onLevel = () => {} } = {}) {
    this.onFrame = onFrame;
    this.onLevel = onLevel;
    this.stream = null;
    this.context = null;
    this.node = null;
  }

  get active() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      throw Object.assign(new Error('getUserMedia unavailable'), { name: 'InsecureContextError' });
    }
    const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
    try {
      await this.connect(stream);
      this.stream = stream;
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      this.closeContext();
      throw error;
    }
  }

  async connect(stream) {
    let source;
    this.context = new AudioContext({ sampleRate: CAPTURE_RATE });
    try {
      source = this.context.createMediaStreamSource(stream);
    } catch {
      // Browser cannot feed a 16 kHz context from this device: capture at the device rate and let
      // the worklet resample to 16 kHz.
      this.closeContext();
      this.context = new AudioContext();
      source = this.context.createMediaStreamSource(stream);
    }
    await this.context.audioWorklet.addModule('/static/js/capture-worklet.js');
    this.node = new AudioWorkletNode(this.context, 'viva-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    this.node.port.onmessage = ({ data }) => {
      this.onLevel(levelFromRms(data.rms));
      this.onFrame(data.pcm);
    };
    source.connect(this.node);
    // The worklet writes silence; connecting it to the destination keeps the graph pulling it.
    this.node.connect(this.context.destination);
    await this.context.resume();
  }

  stop() {
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    if (this.node) this.node.port.onmessage = null;
    this.node = null;
    this.closeContext();
    this.onLevel(0);
  }

  closeContext() {
    this.context?.close().catch(() => {});
    this.context = null;
  }
}

// RMS → 0..1 on a -60..0 dBFS scale, which is how loud speech looks to people.
export function levelFromRms(rms) {
  if (!(rms > 0)) return 0;
  const decibels = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (decibels + 60) / 60));
}

export function describeMicError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access is blocked. Allow the microphone for this site (the icon in the address bar), then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Plug one in, then try again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is busy or unavailable. Close other apps that use it, then try again.';
    case 'InsecureContextError':
      return 'This browser only allows the microphone on https:// or http://localhost pages.';
    default:
      return `The microphone could not start (${error?.message || error}).`;
  }
}
