/** The protocol's settings from the environment and the upgrade's token and subprotocol choice. */
import { describe, expect, it } from 'vitest';
import { cabinetTokenOf, selectSubprotocol } from './cabinet-connection.routes.js';
import { protocolSettingsFromEnv } from './protocol-settings.js';

describe('cabinet protocol settings from the environment', () => {
  it('reads seconds and the missed-heartbeat count, keeping defaults for what is unset', () => {
    expect(protocolSettingsFromEnv({})).toEqual({});
    expect(
      protocolSettingsFromEnv({
        KEYWARDEN_CABINET_HEARTBEAT_SECONDS: '10',
        KEYWARDEN_CABINET_RELEASE_SECONDS: '45',
        KEYWARDEN_CABINET_DOOR_ALERT_SECONDS: '0.5',
        KEYWARDEN_CABINET_MISSED_HEARTBEATS: '4',
      }),
    ).toEqual({ heartbeatMs: 10_000, releaseTimeoutMs: 45_000, doorOpenAlertMs: 500, missedHeartbeats: 4 });
  });

  it.each([
    ['KEYWARDEN_CABINET_RELEASE_SECONDS', '0'],
    ['KEYWARDEN_CABINET_RELEASE_SECONDS', '-5'],
    ['KEYWARDEN_CABINET_HEARTBEAT_SECONDS', 'soon'],
    ['KEYWARDEN_CABINET_DOOR_ALERT_SECONDS', '100000'],
    ['KEYWARDEN_CABINET_MISSED_HEARTBEATS', '2.5'],
    ['KEYWARDEN_CABINET_MISSED_HEARTBEATS', '0'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => protocolSettingsFromEnv({ [name]: value })).toThrow(name);
  });
});

describe('the upgrade request', () => {
  it('takes the token from the Authorization header, else from the bearer. subprotocol', () => {
    expect(cabinetTokenOf({ authorization: 'Bearer kwc_a' })).toBe('kwc_a');
    expect(cabinetTokenOf({ 'sec-websocket-protocol': 'keywarden-cabinet.v1, bearer.kwc_b' })).toBe('kwc_b');
    expect(cabinetTokenOf({ 'sec-websocket-protocol': 'keywarden-cabinet.v1' })).toBe('');
    expect(cabinetTokenOf({})).toBe('');
  });

  it('selects the protocol, never the token', () => {
    expect(selectSubprotocol(new Set(['bearer.kwc_b', 'keywarden-cabinet.v1']))).toBe('keywarden-cabinet.v1');
    expect(selectSubprotocol(new Set(['bearer.kwc_b']))).toBe(false);
    expect(selectSubprotocol(new Set())).toBe(false);
  });
});
