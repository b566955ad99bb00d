/**
 * The cabinet protocol's timings from the environment (docs/cabinet-protocol.md, "Timeouts"): each one left
 * unset keeps its default. A value that is not a positive number stops the server at start rather than
 * leave a cabinet with, say, a zero release window.
 */
import type { CabinetProtocolSettings } from './cabinet-connections.js';

const SECONDS: Record<string, keyof CabinetProtocolSettings> = {
  KEYWARDEN_CABINET_HEARTBEAT_SECONDS: 'heartbeatMs',
  KEYWARDEN_CABINET_RELEASE_SECONDS: 'releaseTimeoutMs',
  KEYWARDEN_CABINET_DOOR_ALERT_SECONDS: 'doorOpenAlertMs',
};

export function protocolSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<CabinetProtocolSettings> {
  const settings: Partial<CabinetProtocolSettings> = {};
  for (const [name, field] of Object.entries(SECONDS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
      throw new Error(`${name} must be a number of seconds between 0 and 86400, not "${raw}"`);
    }
    settings[field] = Math.round(seconds * 1000);
  }
  const missed = env.KEYWARDEN_CABINET_MISSED_HEARTBEATS;
  if (missed !== undefined && missed !== '') {
    const count = Number(missed);
    if (!Number.isInteger(count) || count < 1 || count > 100) {
      throw new Error(
        `KEYWARDEN_CABINET_MISSED_HEARTBEATS must be a whole number from 1 to 100, not "${missed}"`,
      );
    }
    settings.missedHeartbeats = count;
  }
  return settings;
}
