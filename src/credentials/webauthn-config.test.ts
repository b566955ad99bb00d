import { describe, expect, it } from 'vitest';
import { RelyingPartyConfigError, relyingParty, relyingPartyFromEnv } from './webauthn-config.js';

describe('WebAuthn relying party configuration', () => {
  it('defaults to localhost on the port the server listens on', () => {
    expect(relyingPartyFromEnv({ port: 4173, env: {} })).toEqual({
      id: 'localhost',
      name: 'Keywarden',
      origins: ['http://localhost:4173'],
      attachment: 'platform',
    });
    expect(relyingPartyFromEnv({ env: { KEYWARDEN_PORT: '9000' } }).origins).toEqual([
      'http://localhost:9000',
    ]);
    expect(relyingPartyFromEnv({ env: {} }).origins).toEqual(['http://localhost:8080']);
    expect(relyingPartyFromEnv({ port: 80, env: {} }).origins).toEqual(['http://localhost']);
  });

  it('reads the rpID, name, origins and authenticator attachment from the environment', () => {
    const rp = relyingPartyFromEnv({
      port: 8080,
      env: {
        KEYWARDEN_RP_ID: 'keys.riverside.example',
        KEYWARDEN_RP_NAME: 'Riverside PD keys',
        KEYWARDEN_ORIGINS: 'https://keys.riverside.example, https://north.keys.riverside.example:8443/',
        KEYWARDEN_WEBAUTHN_ATTACHMENT: 'cross-platform',
      },
    });
    expect(rp).toEqual({
      id: 'keys.riverside.example',
      name: 'Riverside PD keys',
      origins: ['https://keys.riverside.example', 'https://north.keys.riverside.example:8443'],
      attachment: 'cross-platform',
    });
  });

  it.each([
    [{ KEYWARDEN_RP_ID: 'keys.example.org' }, /set KEYWARDEN_ORIGINS/],
    [{ KEYWARDEN_ORIGINS: 'http://keys.example.org' }, /must use https/],
    [{ KEYWARDEN_RP_ID: 'example.org', KEYWARDEN_ORIGINS: 'https://example.com' }, /cannot use rpID/],
    [{ KEYWARDEN_RP_ID: 'example.org', KEYWARDEN_ORIGINS: 'https://notexample.org' }, /cannot use rpID/],
    [{ KEYWARDEN_ORIGINS: 'http://localhost:8080/terminal' }, /scheme, host and port only/],
    [{ KEYWARDEN_ORIGINS: 'localhost:8080' }, /must use https|not a URL/],
    [{ KEYWARDEN_RP_ID: '127.0.0.1', KEYWARDEN_ORIGINS: 'http://127.0.0.1:8080' }, /domain name/],
    [{ KEYWARDEN_RP_ID: 'https://example.org' }, /domain name/],
    [{ KEYWARDEN_WEBAUTHN_ATTACHMENT: 'usb' }, /platform, cross-platform or any/],
  ])('refuses %o at start', (env, message) => {
    expect(() => relyingPartyFromEnv({ port: 8080, env })).toThrow(RelyingPartyConfigError);
    expect(() => relyingPartyFromEnv({ port: 8080, env })).toThrow(message);
  });

  it('accepts http on localhost subdomains and removes duplicates', () => {
    expect(
      relyingParty({
        id: 'localhost',
        origins: ['http://terminal.localhost:3000', 'http://terminal.localhost:3000/'],
      }).origins,
    ).toEqual(['http://terminal.localhost:3000']);
  });
});
