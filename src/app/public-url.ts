/**
 * The address people reach this server at, for links in messages (the event in the console, a one-time
 * approval or acknowledgement link). KEYWARDEN_PUBLIC_URL in production (e.g. https://keys.example.org);
 * otherwise the local server.
 */
export function publicBaseUrl(env: NodeJS.ProcessEnv = process.env, port = 8080): string {
  const configured = env.KEYWARDEN_PUBLIC_URL?.trim();
  if (configured) {
    const url = new URL(configured); // throws on a malformed value: better at start than in a message
    return url.toString().replace(/\/$/, '');
  }
  return `http://127.0.0.1:${env.KEYWARDEN_PORT ?? port}`;
}
