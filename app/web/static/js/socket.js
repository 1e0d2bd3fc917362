// One WebSocket connection to an interview. Sends {"type":"start"} as soon as it opens; reopening a
// socket for the same interview and sending start again resumes it.

import { interviewSocketUrl } from './api.js';

const MAX_BUFFERED_BYTES = 512 * 1024; // ~16 s of audio; beyond that drop mic frames, don't queue

export class InterviewSocket {
  // handlers: {onOpen(), onMessage(object), onAudio(ArrayBuffer), onClose(CloseEvent)}
  constructor(interviewId, handlers) {
    this.interviewId = interviewId;
    this.handlers = handlers;
    this.ws = null;
  }

  connect() {
    const ws = new WebSocket(interviewSocketUrl(this.interviewId));
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'start', sample_rate: 16000 }));
      this.handlers.onOpen?.();
    };
    ws.onmessage = ({ data }) => {
      if (data instanceof ArrayBuffer) {
        this.handlers.onAudio?.(data);
        return;
      }
      let message;
      try {
        message = JSON.parse(data);
      } catch {
        return; // not ours to interpret
      }
      this.handlers.onMessage?.(message);
    };
    ws.onclose = (event) => this.handlers.onClose?.(event);
    this.ws = ws;
  }

  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  // Returns false when the message could not be sent (socket not open).
  sendJson(message) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendAudio(pcm) {
    if (this.open && this.ws.bufferedAmount < MAX_BUFFERED_BYTES) this.ws.send(pcm);
  }

  // Close without notifying the handlers (used when replacing the connection).
  close() {
    if (!this.ws) return;
    this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
    this.ws.close();
    this.ws = null;
  }
}
