// Reading a server-sent event stream in tests, chunk by chunk, without losing one: a read left
// pending when a wait times out is the one the next wait takes over.
export interface EventStreamReader {
  /** Everything received so far. */
  readonly text: string;
  /** Waits up to `ms` for the next chunk; false when none came in time. */
  next(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export function readEventStream(body: ReadableStream<Uint8Array>): EventStreamReader {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = reader.read();
  let text = "";
  return {
    get text() {
      return text;
    },
    async next(ms) {
      const chunk = await Promise.race([
        pending,
        new Promise<undefined>((done) => setTimeout(() => done(undefined), ms)),
      ]);
      if (chunk === undefined) return false;
      text += chunk.value ?? "";
      pending = reader.read();
      return true;
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}
