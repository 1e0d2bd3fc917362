// Gapless playback of streamed PCM16 mono chunks: each chunk becomes an AudioBuffer at the
// announced sample rate, scheduled to start exactly when the previous one ends.

const START_LEAD_S = 0.05; // headroom when the queue ran dry, so the first chunk does not clip

export class PcmPlayer {
  constructor() {
    this.context = null;
    this.sampleRate = 22050;
    this.nextStart = 0;
    this.sources = new Set();
    this.carry = null; // odd trailing byte of the previous chunk
  }

  // Call from a user gesture (click/keypress): browsers only let audio start after one.
  unlock() {
    if (!this.context) this.context = new AudioContext();
    this.context.resume().catch(() => {});
  }

  begin(sampleRate) {
    if (sampleRate > 0) this.sampleRate = sampleRate;
    this.carry = null;
  }

  push(arrayBuffer) {
    if (!this.context) this.unlock();
    let bytes = new Uint8Array(arrayBuffer);
    if (this.carry !== null) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (bytes.length === 0) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buffer = this.context.createBuffer(1, bytes.length / 2, this.sampleRate);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i += 1) samples[i] = view.getInt16(i * 2, true) / 0x8000;
    this.schedule(buffer);
  }

  schedule(buffer) {
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    const startAt = this.nextStart > now ? this.nextStart : now + START_LEAD_S;
    source.start(startAt);
    this.nextStart = startAt + buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
  }

  // Seconds of scheduled audio not yet heard.
  remaining() {
    if (!this.context || this.sources.size === 0) return 0;
    return Math.max(0, this.nextStart - this.context.currentTime);
  }

  get playing() {
    return this.remaining() > 0;
  }

  stop() {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // already stopped
      }
    }
    this.sources.clear();
    this.nextStart = 0;
    this.carry = null;
  }
}
