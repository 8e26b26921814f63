import { ConfigError, loadConfig, runsKafka, runsSlaTimers } from './config';

describe('LEDGER_ROLE', () => {
  it('defaults to all: one process runs the Kafka relay and the SLA timers', () => {
    const config = loadConfig({});
    expect(config.role).toBe('all');
    expect([runsKafka(config), runsSlaTimers(config)]).toEqual([true, true]);
  });

  it('gives the once-per-cluster work to its role only', () => {
    const roles = (['api', 'projector', 'timers'] as const).map((role) => {
      const config = loadConfig({ LEDGER_ROLE: role });
      return [role, runsKafka(config), runsSlaTimers(config)];
    });
    expect(roles).toEqual([
      ['api', false, false],
      ['projector', true, false],
      ['timers', false, true],
    ]);
  });

  it('stops the service with one line naming the roles when the value is unknown', () => {
    expect(() => loadConfig({ LEDGER_ROLE: 'worker' })).toThrow(new ConfigError('LEDGER_ROLE', 'must be one of all, api, projector, timers (got "worker")'));
  });
});

describe('PUBLIC_BASE_URL', () => {
  it('is unset by default, and kept without a trailing slash', () => {
    expect(loadConfig({}).publicBaseUrl).toBeNull();
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://scim.example.com/' }).publicBaseUrl).toBe('https://scim.example.com');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://gw.example.com/ledger/' }).publicBaseUrl).toBe('https://gw.example.com/ledger');
  });

  it('stops the service with one line when it is not an absolute http(s) URL, or carries credentials', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'scim.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'ftp://scim.example.com' })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://user:secret@scim.example.com' })).toThrow(/without credentials/);
  });
});
