/**
 * Reads a Server-Sent Events stream with fetch, for streams that need an Authorization header (the kiosk's
 * approval status), which EventSource cannot send. Calls `onEvent` per event until the stream ends or
 * `signal` aborts.
 */
export async function readEventStream(
  url: string,
  options: { bearer: string; signal: AbortSignal; onEvent: (event: string, data: string) => void },
): Promise<void> {
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${options.bearer}` },
    signal: options.signal,
  });
  if (!response.ok || !response.body) throw new Error(`the status stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) options.onEvent(event, data.join('\n'));
      end = buffer.indexOf('\n\n');
    }
  }
}
