// AudioWorklet: microphone Float32 → PCM16 little-endian mono 16 kHz, in 640-sample (40 ms) frames.
// Posts {pcm: ArrayBuffer, rms: number} per frame; the buffer is transferred, not copied.
// The capture AudioContext normally runs at 16 kHz so the browser resamples. Where a browser refuses
// that (Firefox cannot connect a microphone to a context at another rate), the page falls back to the
// device rate and this processor resamples linearly; fine for speech, with no anti-alias filter.

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 640;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.position = 0; // fractional read position in the current block; -1 means `previous`
    this.previous = 0; // last input sample of the previous block
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.sumSquares = 0;
  }

  push(sample) {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.frame[this.filled] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.sumSquares += clamped * clamped;
    this.filled += 1;
    if (this.filled === FRAME_SAMPLES) {
      const rms = Math.sqrt(this.sumSquares / FRAME_SAMPLES);
      // Int16Array uses platform byte order; every browser platform is little-endian.
      this.port.postMessage({ pcm: this.frame.buffer, rms }, [this.frame.buffer]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.filled = 0;
      this.sumSquares = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (!channel || channel.length === 0) return true;
    if (this.step === 1) {
      for (let i = 0; i < channel.length; i += 1) this.push(channel[i]);
      return true;
    }
    let position = this.position;
    while (position < channel.length - 1) {
      const index = Math.floor(position);
      const left = index < 0 ? this.previous : channel[index];
      const right = channel[index + 1];
      this.push(left + (right - left) * (position - index));
      position += this.step;
    }
    this.position = position - channel.length;
    this.previous = channel[channel.length - 1];
    return true;
  }
}

registerProcessor('viva-capture', CaptureProcessor);
